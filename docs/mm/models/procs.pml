/*
 * The processes of every model (docs/mm/models/README.md): the faulting thread; a VMA writer
 * doing one of four operations on V; a second writer giving A write access again (after the
 * first's mprotect, the change and its undo; after the others, or before, nothing); and RCU's
 * callbacks. Included last by each strategy's file, after its hooks:
 *   handle_mm_fault()              the strategy's fault (sets res)
 *   mm_write_range(span)           range: lock the writer's span
 *   vma_start_write(x), vma_detach(x), write_end()
 *   strategy_init()                the strategy's initial state
 * The twins' flags are in mm.pml.
 */

/* Range-lock spans (range.pml): a bit per page, and Z, a page a gigabyte from A and B. */
#define SPAN_A 1
#define SPAN_ALL 7

/* ---- The writer's steps (mm/memory.c, mm/vma.c, mm/tlb.c) ---- */

inline zap(a) {
	t = link[a];                                            /* zap_vma_range: for_each_pte: pte_find() */
	if
	:: t != 0 ->
		spin_lock(t);
		atomic {                                        /* zap_one: pte_write(e, 0); tlb_gather_page(z->g, p) */
			if
			:: tpage[t] != 0 -> gpage = tpage[t]; tpage[t] = 0; twrite[t] = 0; gflush = 1
			:: else -> skip
			fi
		}
		spin_unlock(t)
	:: else -> skip
	fi
}

/* protect_one's write is page_exclusive(p): always, without fork. */
inline change_protection(a, nf) {
	t = link[a];                                            /* change_protection: for_each_pte: pte_find() */
	if
	:: t != 0 ->
		spin_lock(t);
		atomic {                                        /* protect_one: n = user_pte(p, a->flags, write); pte_write(e, n) */
			if
			:: tpage[t] != 0 && twrite[t] != WR((nf)) -> twrite[t] = WR((nf)); gflush = 1
			:: else -> skip
			fi
		}
		spin_unlock(t)
	:: else -> skip
	fi
}

/* free_pgtables over the hole at a: nothing else uses a's table. */
inline free_tables(a) {
	atomic { t = link[a]; link[a] = 0 }                     /* free_level: pte_write(e, 0) */
	if
	:: t != 0 ->
		atomic {                                        /* gather_subtree: mm_bug("freeing a page table that still maps"); tlb_gather_table() */
			assert(tpage[t] == 0);
			tstate[t] = GATHERED; gtable = t; gflush = 1
		}
	:: else -> skip
	fi
}

inline move_ptes(from, to) {
	t = link[from];                                         /* move_ptes: e = pte_find(mm, addr) */
	if
	:: t != 0 ->
		spin_lock(t);
		atomic {                                        /* move_ptes: batch[i] = pte_read_once(&e[i]); pte_write(&e[i], 0) */
			mp = tpage[t]; mw = twrite[t];
			if :: mp != 0 -> tpage[t] = 0; twrite[t] = 0; gflush = 1 :: else -> skip fi
		}
		spin_unlock(t);
		if
		:: mp != 0 ->
			t = link[to];                           /* move_ptes: d = pte_find(mm, a - old + new) */
			spin_lock(t);
			atomic {                                /* move_ptes: pte_cmpxchg(d, 0, v); mm_bug("mremap: the destination holds") */
				assert(tpage[t] == 0);
				tpage[t] = mp; twrite[t] = mw
			}
			spin_unlock(t)
		:: else -> skip
		fi
	:: else -> skip
	fi
}

inline tlb_finish() {
	if
	:: gflush ->
		if
		:: local_only -> skip                           /* tlb_finish, the twin: flush_this_cpu_only() */
		:: else -> tlb_valid = 0                        /* tlb_finish: tlb_flush_mm_range(): every CPU, by IPI, waited for */
		fi;
		gflush = 0
	:: else -> skip
	fi;
	if
	:: gpage != 0 -> pfreed[gpage] = 1; gpage = 0           /* tlb_finish: put_page(p) */
	:: else -> skip
	fi;
	if
	:: gtable != 0 ->
		if
		:: busted_pt_free ->
			atomic {                                /* tlb_finish, the twin mm.busted=pt_free: free_table_rcu(&p->rcu) */
				assert(tpage[gtable] == 0);
				tstate[gtable] = FREED
			}
		:: else -> tstate[gtable] = QUEUED              /* tlb_finish: call_rcu(&p->rcu, free_table_rcu) */
		fi;
		gtable = 0
	:: else -> skip
	fi
}

inline mmap_write_lock() {
	atomic {                                                /* mmap_write_lock: down_write(&mm->mmap_lock) */
		if
		:: mm_readers == 0 && !mm_writer && mm_wwait == 0 -> mm_writer = 1; waited = 0
		:: else -> mm_wwait++; waited = 1
		fi
	}
	if
	:: waited -> atomic { mm_readers == 0 && !mm_writer -> mm_writer = 1; mm_wwait-- }   /* down_write: granted by up_read, up_write */
	:: else -> skip
	fi
}

inline mmap_write_unlock() {
	write_end();
	write_seq++;                                            /* mmap_write_unlock: smp_store_release(&mm->write_seq, mm->write_seq + 1) */
	mm_writer = 0                                           /* mmap_write_unlock: up_write(&mm->mmap_lock) */
}

/* vma_tx_unmap(tx, A, A + 1, true): V goes from the tree, then its entry, then its table. */
inline unmap_v() {
	vma_start_write(V);
	tree[A] = NONE;                                         /* vma_tx_store: vma_tree_store_range(.., NULL) */
	zap(A);
	vma_detach(V);                                          /* vma_tx_kill: vma_start_write(v) (done); vma_detach(v) */
	free_tables(A)
}

inline do_mprotect(nf) {
	mmap_write_lock();
	mm_write_range(SPAN_A);
	x = tree[A];                                            /* do_mprotect: vma = vma_find(mm, start) */
	if
	:: x != NONE && vflags[x] != (nf) ->
		vma_start_write(x);
		vflags[x] = (nf);                               /* mprotect_fixup: vma->flags = newflags */
		change_protection(A, nf);
		tlb_finish()                                    /* vma_tx_end: tlb_finish(&tx->tlb) */
	:: else -> skip                                         /* -ENOMEM (nothing there), or newflags == vma->flags */
	fi;
	mmap_write_unlock()
}

/* The first writer: one of four operations (spin -DONLY_OP=MPROTECT, say: that one only). */
#ifndef ONLY_OP
#define ONLY_OP 0
#endif
proctype writer() {
	byte t, x, gpage, gtable, mp;
	bit mw, gflush, local_only, waited;
	if
	:: atomic { ONLY_OP == 0 || ONLY_OP == MUNMAP -> wop = MUNMAP };  /* vm_munmap(mm, A, PAGE_SIZE) */
		mmap_write_lock();
		mm_write_range(SPAN_A);
		local_only = tlb_busted_munmap;                 /* do_munmap: tx.tlb.local_only = READ_ONCE(tlb_busted_munmap) */
		unmap_v();
		tlb_finish();                                   /* vma_tx_end: tlb_finish(&tx->tlb) */
		vstate[V] = QUEUED;                             /* vma_tx_end: call_rcu(&v->rcu, vma_free_rcu) */
		mmap_write_unlock()
	:: atomic { ONLY_OP == 0 || ONLY_OP == MPROTECT -> wop = MPROTECT };  /* vm_mprotect(mm, A, PAGE_SIZE, PROT_READ) */
		do_mprotect(VM_READ)
	:: atomic { ONLY_OP == 0 || ONLY_OP == MREMAP -> wop = MREMAP };  /* vm_mremap(mm, A, PAGE_SIZE, PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, B) */
		mmap_write_lock();
		mm_write_range(SPAN_ALL);
		vma_start_write(V);
		vmoving[V] = 1;                                 /* move_vma: WRITE_ONCE(vma->moving, true) */
		atomic {                                        /* move_vma: nv = vma_tx_dup(tx, vma); nv->moving = true */
			vflags[N] = vflags[V]; vanon[N] = vanon[V]; vmoving[N] = 1
		}
		vma_start_write(N);
		tree[B] = N;                                    /* vma_tx_link(tx, nv): vma_tree_store_range() */
		move_ptes(A, B);
		unmap_v();
		vmoving[V] = 0;                                 /* move_vma: WRITE_ONCE(vma->moving, false) */
		vmoving[N] = 0;                                 /* move_vma: WRITE_ONCE(nv->moving, false) */
		tlb_finish();                                   /* vma_tx_end: tlb_finish(&tx->tlb) */
		vstate[V] = QUEUED;                             /* vma_tx_end: call_rcu(&v->rcu, vma_free_rcu) */
		mmap_write_unlock()
	:: atomic { ONLY_OP == 0 || ONLY_OP == MMAP -> wop = MMAP };  /* vm_mmap(mm, A, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_FIXED ..) */
		mmap_write_lock();
		mm_write_range(SPAN_A);
		unmap_v();
		tlb_finish();                                   /* mmap_region: tlb_finish(&tx.tlb) */
		atomic { vflags[W] = VM_READ | VM_WRITE; vanon[W] = 0 }   /* mmap_region: v = vma_tx_new(&tx, mm); v->flags = vm_flags */
		vma_start_write(W);
		tree[A] = W;                                    /* vma_tx_link(&tx, v): vma_tree_store_range() */
		vstate[V] = QUEUED;                             /* vma_tx_end: call_rcu(&v->rcu, vma_free_rcu) */
		mmap_write_unlock()
	fi;
	writers_done++
}

/* The second writer: vm_mprotect(mm, A, PAGE_SIZE, PROT_READ | PROT_WRITE). */
proctype writer2() {
	byte t, x, gpage, gtable;
	bit gflush, local_only, waited;
	do_mprotect(VM_READ | VM_WRITE);
	writers_done++
}

/* RCU's callbacks: an object queued by call_rcu() is freed once the faulting CPU, the one
 * reader, has been outside a read-side section since (a grace period), at any time after. */
proctype rcu() {
end:
	do
	:: atomic { tstate[T_A] == QUEUED && !in_rcu -> tstate[T_A] = QS }   /* rcu: the faulting CPU passes a quiescent state */
	:: atomic { tstate[T_A] == QS -> assert(tpage[T_A] == 0); tstate[T_A] = FREED }   /* free_table_rcu(): pgtable_free() */
	:: atomic { tstate[3] == QUEUED && !in_rcu -> tstate[3] = QS }       /* rcu: the faulting CPU passes a quiescent state */
	:: atomic { tstate[3] == QS -> assert(tpage[3] == 0); tstate[3] = FREED }   /* free_table_rcu(): pgtable_free() */
	:: atomic { tstate[4] == QUEUED && !in_rcu -> tstate[4] = QS }       /* rcu: the faulting CPU passes a quiescent state */
	:: atomic { tstate[4] == QS -> assert(tpage[4] == 0); tstate[4] = FREED }   /* free_table_rcu(): pgtable_free() */
	:: atomic { vstate[V] == QUEUED && !in_rcu -> vstate[V] = QS }       /* rcu: the faulting CPU passes a quiescent state */
	:: atomic { vstate[V] == QS -> vstate[V] = FREED }                   /* vma_free_rcu(): kmem_cache_free() */
	od
}

/* The faulting thread: a store to fa (A or B), retried after each fault that returns 0, as the
 * arch's trap return does, until it lands or the fault says -EFAULT (SIGSEGV). */
proctype thread(byte fa) {
	byte v, lv, t, mt, old, na, why, tries, sflags, sanon, sseq, rr, res;
	bit oldw, nw, ok, havep, spec;
	do
	:: mmu_store();
		if
		:: ok ->
			nstores++;
			if
			:: nstores == NSTORES -> break
			:: else -> skip
			fi
		:: else ->
			handle_mm_fault();                      /* handle_mm_fault(mm, addr, FAULT_WRITE) */
			if
			:: res == EFAULT -> break
			:: else -> skip
			fi
		fi
	od;
	thread_done = 1
}

/* Once all are done: every entry is one the VMA now at its address allows (its own page,
 * writable only if the VMA is), and the page the store went into is still mapped if the
 * mapping it belongs to still exists (a store the writer kept must not be lost). */
#define ENTRY_OK(a) \
	(link[a] == 0 || tpage[link[a]] == 0 || \
	 (tree[a] != NONE && powner[tpage[link[a]]] == vanon[tree[a]] && \
	  (!twrite[link[a]] || WR(vflags[tree[a]]))))
#define OWNS(a, p) (tree[a] != NONE && vanon[tree[a]] == powner[p])
#define MAPS(a, p) (link[a] != 0 && tpage[link[a]] == p)

init {
	atomic {
		tree[A] = V; vflags[V] = VM_READ | VM_WRITE; vanon[V] = V;
		link[A] = T_A; link[B] = T_B;
		strategy_init();
		if
		:: run thread(A)                                /* the thread stores to A */
		:: run thread(B)                                /* the thread stores to B */
		:: tpage[T_A] = 1; twrite[T_A] = 1; powner[1] = V; pnext = 2;   /* A has a page, written before */
			run thread(B)                           /* the thread stores to B */
		fi;
		run writer(); run writer2(); run rcu()
	}
	(thread_done && WRITERS_DONE);
	atomic {                                                /* the end: the writers have finished */
		assert(ENTRY_OK(A) && ENTRY_OK(B));
		assert(stored == 0 || !(OWNS(A, stored) || OWNS(B, stored)) ||
		       MAPS(A, stored) || MAPS(B, stored))
	}
}

/* Progress (checked with pan -a -f: weak fairness): the store lands or the fault fails. */
ltl progress { <> thread_done }
