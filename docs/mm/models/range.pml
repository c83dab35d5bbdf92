/*
 * mm.fault=range (mm/fault_range.c): the fault holds a read range lock over its own page; a VMA
 * writer, besides mmap_lock for write, write-locks its span (mm_write_range), widened to the
 * VMAs it touches: here the page A (munmap, mprotect, mmap over V), or everything (mremap).
 *
 * Twin (spin -DTWIN, torture.busted=1): the fault locks a page a gigabyte from its own (Z).
 */
#ifdef TWIN
#define fault_busted 1
#endif
#include "mm.pml"

#define SPAN_Z 4
/* mm->vma_range with one reader and one writer, served in arrival order (kernel/locking/
 * rangelock.c): the writer's span from its arrival to its unlock; the reader's range held. */
byte rl_writer;
byte rl_reader;

inline strategy_init() { skip }
/* range_vma_write only checks that the VMA lies inside the writer's span. */
inline vma_start_write(x) { skip }
inline vma_detach(x) { skip }

inline mm_write_range(span) {
	rl_writer = span;                                       /* range_write_range: range_write_lock(): queued */
	(rl_reader & span) == 0                                 /* range_write_lock(): granted (no reader inside) */
}
inline write_end() {
	rl_writer = 0                                           /* range_write_end: range_unlock(&mm->vma_range, &mm->range_writer) */
}

inline handle_mm_fault() {
	rr = (fault_busted -> SPAN_Z : 1 << fa);                /* range_fault: page = addr & PAGE_MASK; the twin: page ^= 1ul << 30 */
	atomic { (rl_writer & rr) == 0 -> rl_reader = rr }      /* range_fault: range_read_lock(&mm->vma_range, &rl, page, page + PAGE_SIZE) */
	v = tree[fa];                                           /* range_fault: rcu_read_lock(); vma = vma_tree_find(); rcu_read_unlock() */
	if
	:: v != NONE ->
		atomic { VMA_ALIVE(v); ok = WR(vflags[v]); na = vanon[v] }   /* range_fault: fault_access_ok(vma, access); fault_needs_mmap_lock(vma, access) */
	:: else -> ok = 0
	fi;
	if
	:: ok && na == 0 ->
		rl_reader = 0;                                  /* range_fault: range_unlock(); fault_locked(mm, addr, access) */
		fault_locked()
	:: ok && na != 0 ->
		fault_core(v);
		rl_reader = 0                                   /* range_fault: range_unlock(&mm->vma_range, &rl) */
	:: else ->
		res = EFAULT;
		rl_reader = 0                                   /* range_fault: range_unlock(&mm->vma_range, &rl) */
	fi
}

#include "procs.pml"
