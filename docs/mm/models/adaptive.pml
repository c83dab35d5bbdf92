/*
 * mm.fault=adaptive (mm/fault_adaptive.c): mmap_lock by trylock until a fault finds it taken
 * while the mm has other users; from then on the speculative fault of spf (fault_speculative in
 * mm/fault.c), trusting the VMA by a fresh lookup under the table's lock: the same VMA, the same
 * fields, not being moved. Writers keep no counts; mremap flags the VMAs it moves (vma->moving).
 *
 * Twin (spin -DTWIN, torture.busted=1): no fresh lookup.
 * With spin -DTWIN_MOVING: the lookup without its check of vma->moving (the lost write
 *   test=fault_race found before move_vma set the flag).
 * With spin -DPT_FREE (mm.busted=pt_free): tables freed at tlb_finish, without a grace period.
 */
#ifdef TWIN
#define fault_busted 1
#endif
#include "mm.pml"

bit contended;          /* mm->fault_contended */

inline strategy_init() {
	if
	:: contended = 0
	:: contended = 1                                        /* an earlier fault found mmap_lock taken */
	fi
}
inline mm_write_range(span) { skip }
inline vma_start_write(x) { skip }
inline vma_detach(x) { skip }
inline write_end() { skip }

/* adaptive_ops.begin is NULL */
inline spec_begin() {
	why = FA_NONE
}
inline spec_validate() {
	if
	:: fault_busted -> why = FA_NONE                        /* adaptive_validate, the twin: return 0 */
	:: else ->
		lv = tree[fa];                                  /* adaptive_validate: v = vma_tree_find(&sf->mm->vmas, sf->addr) */
		if
		:: lv != v -> why = FA_LOOKUP
		:: else ->
			atomic {                                /* adaptive_validate: READ_ONCE(v->flags) != sf->flags || READ_ONCE(v->anon_vma) != sf->anon_vma */
				VMA_ALIVE(v);
				why = (vflags[v] != sflags || vanon[v] != sanon -> FA_LOOKUP : FA_NONE)
			}
			why = (why == FA_NONE && !busted_moving && vmoving[v] -> FA_LOOKUP : why)   /* adaptive_validate: || READ_ONCE(v->moving) (-DTWIN_MOVING: not) */
		fi
	fi
}

inline handle_mm_fault() {
	spec = contended;                                       /* adaptive_fault: READ_ONCE(mm->fault_contended) */
	if
	:: !spec ->
		mmap_read_trylock(ok);
		if
		:: ok -> fault_under_mmap_lock()
		:: else -> contended = 1; spec = 1              /* adaptive_fault: atomic_read(&mm->users) > 1: WRITE_ONCE(mm->fault_contended, true) */
		fi
	:: else -> skip
	fi;
	if
	:: spec -> fault_speculative_or_locked()
	:: else -> skip
	fi
}

#include "procs.pml"
