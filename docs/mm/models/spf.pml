/*
 * mm.fault=spf (mm/fault_spf.c, fault_speculative in mm/fault.c): the fault finds the VMA under
 * RCU, snapshots its count (odd: a writer is at work), walks the tables without a lock, and
 * installs under the table's lock by trylock after rechecking the count and the table's link;
 * any doubt, the classic path. A writer makes the count odd at its first vma_start_write and even
 * again at mmap_write_unlock; a VMA that leaves the tree stays odd.
 *
 * Twin (spin -DTWIN, torture.busted=1): no recheck of the count before the install.
 * With spin -DPT_FREE (mm.busted=pt_free): tables freed at tlb_finish, without a grace period.
 */
#ifdef TWIN
#define fault_busted 1
#endif
#include "mm.pml"

byte vseq[NVMA];        /* vma->seq */
byte vlock_seq[NVMA];   /* vma->lock_seq: == write_seq while odd in this writer's hold */
bit spf_marked[NVMA];   /* on mm->spf_marked */

inline strategy_init() { skip }
inline mm_write_range(span) { skip }

inline vma_start_write(x) {
	atomic {                                                /* spf_vma_write: WRITE_ONCE(v->seq, v->seq + 1); smp_mb(); list_add(.., &mm->spf_marked) */
		if
		:: vlock_seq[x] != write_seq ->
			vlock_seq[x] = write_seq; vseq[x]++; spf_marked[x] = 1
		:: else -> skip
		fi
	}
}
inline vma_detach(x) {
	spf_marked[x] = 0                                       /* spf_vma_detach: list_del(&v->spf_node): stays odd */
}
inline write_end() {
	if
	:: spf_marked[V] -> atomic { vseq[V]++; spf_marked[V] = 0 }   /* spf_write_end: smp_store_release(&v->seq, v->seq + 1) */
	:: else -> skip
	fi;
	if
	:: spf_marked[W] -> atomic { vseq[W]++; spf_marked[W] = 0 }   /* spf_write_end: smp_store_release(&v->seq, v->seq + 1) */
	:: else -> skip
	fi;
	if
	:: spf_marked[N] -> atomic { vseq[N]++; spf_marked[N] = 0 }   /* spf_write_end: smp_store_release(&v->seq, v->seq + 1) */
	:: else -> skip
	fi
}

inline spec_begin() {
	atomic {                                                /* spf_begin: sf->seq = smp_load_acquire(&sf->vma->seq); odd: FA_SEQ */
		VMA_ALIVE(v); sseq = vseq[v];
		if :: sseq % 2 == 1 -> why = FA_SEQ :: else -> why = FA_NONE fi
	}
}
inline spec_validate() {
	if
	:: fault_busted -> why = FA_NONE                        /* spf_validate, the twin: return 0 */
	:: else ->
		atomic {                                        /* spf_validate: READ_ONCE(sf->vma->seq) != sf->seq */
			VMA_ALIVE(v);
			why = (vseq[v] != sseq -> FA_SEQ : FA_NONE)
		}
	fi
}

inline handle_mm_fault() {
	fault_speculative_or_locked()                           /* spf_fault */
}

#include "procs.pml"
