/*
 * mm.fault=pervma (mm/fault_pervma.c): the fault finds the VMA under RCU, read-locks the VMA's
 * own lock by trylock, and trusts it unless a writer has it marked (lock_seq == mm->write_seq) or
 * it has left the tree; then it runs the fault core holding only that lock. A writer's
 * vma_start_write takes the VMA's lock for write (waiting for the faults inside), marks it, and
 * lets the lock go; every mark ends when mmap_write_unlock bumps write_seq.
 *
 * Twin (spin -DTWIN, torture.busted=1): the mark is not checked.
 */
#ifdef TWIN
#define fault_busted 1
#endif
#include "mm.pml"

/* vma->lock: an rwsem, FIFO (a trylock fails while a writer holds it or waits) */
byte vreaders[NVMA];
bit vwriter[NVMA];
bit vwwait[NVMA];
byte vlock_seq[NVMA];   /* vma->lock_seq */
bit vdetached[NVMA];    /* vma->detached */

inline strategy_init() { skip }
inline mm_write_range(span) { skip }
/* pervma_strategy.write_end does nothing: mmap_write_unlock's bump of write_seq unmarks. */
inline write_end() { skip }

inline vma_start_write(x) {
	if
	:: vlock_seq[x] != write_seq ->                         /* pervma_vma_write: if (v->lock_seq == seq) return */
		atomic {                                        /* pervma_vma_write: down_write(&v->lock) */
			if
			:: vreaders[x] == 0 -> vwriter[x] = 1
			:: else -> vwwait[x] = 1
			fi
		}
		if
		:: vwwait[x] -> atomic { vreaders[x] == 0 -> vwriter[x] = 1; vwwait[x] = 0 }   /* down_write: granted by up_read */
		:: else -> skip
		fi;
		vlock_seq[x] = write_seq;                       /* pervma_vma_write: WRITE_ONCE(v->lock_seq, seq) */
		vwriter[x] = 0                                  /* pervma_vma_write: up_write(&v->lock) */
	:: else -> skip
	fi
}
inline vma_detach(x) {
	vdetached[x] = 1                                        /* pervma_vma_detach: WRITE_ONCE(v->detached, true) */
}

inline handle_mm_fault() {
	rcu_read_lock();
	v = tree[fa];                                           /* pervma_fault: v = vma_tree_find(&mm->vmas, addr) */
	if
	:: v == NONE -> why = FA_NO_VMA; goto pv_out_rcu
	:: else -> skip
	fi;
	atomic {                                                /* pervma_fault: down_read_trylock(&v->lock) */
		VMA_ALIVE(v);
		if :: !vwriter[v] && !vwwait[v] -> vreaders[v]++; ok = 1 :: else -> ok = 0 fi
	}
	if
	:: !ok -> why = FA_TRYLOCK; goto pv_out_rcu
	:: else -> skip
	fi;
	atomic {  /* pervma_fault: !fault_busted && READ_ONCE(v->lock_seq) == smp_load_acquire(&mm->write_seq) */
		VMA_ALIVE(v);
		why = (!fault_busted && vlock_seq[v] == write_seq -> FA_MARKED : FA_NONE)
	}
	if
	:: why != FA_NONE -> goto pv_out_unlock
	:: else -> skip
	fi;
	atomic {                                                /* pervma_fault: READ_ONCE(v->detached) */
		VMA_ALIVE(v);
		why = (vdetached[v] -> FA_DETACHED : FA_NONE)
	}
	if
	:: why != FA_NONE -> goto pv_out_unlock
	:: else -> skip
	fi;
	rcu_read_unlock();
	atomic { VMA_ALIVE(v); ok = WR(vflags[v]); na = vanon[v] }   /* pervma_fault: fault_access_ok(v, access); fault_needs_mmap_lock(v, access) */
	if
	:: !ok ->
		atomic { VMA_ALIVE(v); vreaders[v]-- };         /* pervma_fault: up_read(&v->lock); -EFAULT */
		res = EFAULT;
		goto pv_done
	:: ok && na == 0 ->
		atomic { VMA_ALIVE(v); vreaders[v]-- };         /* pervma_fault: up_read(&v->lock); goto fallback */
		goto pv_fallback
	:: else -> skip
	fi;
	fault_core(v);
	atomic { VMA_ALIVE(v); vreaders[v]-- };                 /* pervma_fault: up_read(&v->lock) */
	goto pv_done;
pv_out_unlock:
	atomic { VMA_ALIVE(v); vreaders[v]-- };                 /* pervma_fault: out_unlock: up_read(&v->lock) */
pv_out_rcu:
	rcu_read_unlock();
pv_fallback:
	fault_locked();                                         /* pervma_fault: fallback: fault_locked(mm, addr, access) */
pv_done:
	skip
}

#include "procs.pml"
