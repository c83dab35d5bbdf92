/*
 * mm.fault=mmap_lock (mm/fault.c, fault_locked): the fault holds mmap_lock for read from the
 * lookup to the install; every VMA writer holds it for write. With a TLB on the faulting CPU,
 * since what a writer must still do for a fault it has held off is flush what that CPU cached.
 *
 * Twin (spin -DTWIN, torture=mm's tlb_busted_munmap): munmap flushes only its own CPU's TLB.
 */
#define TLB
#ifdef TWIN
#define tlb_busted_munmap 1
#endif
#include "mm.pml"

inline strategy_init() { skip }
inline mm_write_range(span) { skip }
inline vma_start_write(x) { skip }
inline vma_detach(x) { skip }
inline write_end() { skip }

inline handle_mm_fault() {
	fault_locked()                                          /* mmap_lock_strategy.fault = fault_locked */
}

#include "procs.pml"
