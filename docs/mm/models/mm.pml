/*
 * What every fault-strategy model shares (docs/mm/models/README.md): the address space's state,
 * the locks, RCU as the faulting thread sees it, the MMU's store, and the fault code every
 * strategy runs under a lock (fault_core, fault_locked in mm/fault.c) or shares (the speculative
 * fault of spf and adaptive). A strategy's file includes this, defines its hooks and its
 * handle_mm_fault, then includes procs.pml (the processes).
 *
 * One step of SPIN is one shared load, store or lock operation of the C code; the comment at the
 * end of each step's line names the C function and the statement (tools/models prints them as a
 * counterexample's interleaving). Steps that touch only a process's own data are folded into
 * the step they follow. SPIN runs the steps one at a time, each seeing every step before it
 * (sequential consistency); README.md says which barrier of the C code makes that true.
 */

/* The twins: spin -DTWIN (each strategy's file turns it into the flag its C code tests),
 * -DPT_FREE, -DTWIN_MOVING (adaptive), -DNO_FALLBACK (progress's own twin). Each is a constant
 * that the one step it removes tests, as the C code tests fault_busted or mm.busted: nothing
 * else differs. (Not #ifdef inside the code: SPIN numbers an inline's lines wrongly after a
 * block the preprocessor took out, and the trails name steps by line.) */
#ifndef fault_busted
#define fault_busted 0
#endif
#ifndef tlb_busted_munmap
#define tlb_busted_munmap 0
#endif
#ifdef PT_FREE
#define busted_pt_free 1
#else
#define busted_pt_free 0
#endif
#ifdef TWIN_MOVING
#define busted_moving 1
#else
#define busted_moving 0
#endif
#ifdef NO_FALLBACK
#define busted_fallback 1
#else
#define busted_fallback 0
#endif

/* The two pages the model knows. */
#define A 0             /* V's page: the faulting thread's store goes here, or to B */
#define B 1             /* mremap's destination, unmapped at the start */

/* VMAs (0: none). Each covers one page and is never cut, so the range checks always pass. */
#define NONE 0
#define V 1             /* [A, A+1) read-write, private anonymous, its anon_vma made (anon 1) */
#define W 2             /* mmap(A, MAP_FIXED) over V: new, read-write, no anon_vma yet */
#define N 3             /* mremap's copy of V at B (vma_tx_dup: V's flags and anon_vma) */
#define NVMA 4

#define VM_READ 1
#define VM_WRITE 2
#define WR(f) (((f) >> 1) & 1)

/* Page tables: one level below a root that is never freed; link[a] is the root's entry for a's
 * table (0: none). Each table holds the one entry for its address. */
#define T_A 1           /* A's table at the start */
#define T_B 2           /* B's (mremap_to's pt_prealloc made it: here it exists from the start) */
                        /* 3, 4: tables pte_alloc links for A after T_A went */
#define NT 5
#define NP 4            /* pages: 1..3, numbered as they are installed */
#define PAGE_BOUND assert(pnext < NP)                  /* the model's bound on pages */

/* Lifetime of a table or a VMA: freed through RCU (mm/tlb.c, mm/vma.c) */
#define LIVE 0
#define GATHERED 1      /* a table unlinked, on the writer's gather */
#define QUEUED 2        /* call_rcu() done */
#define QS 3            /* ... and the faulting CPU has since been outside a read-side section */
#define FREED 4

/* Fault aborts (enum fault_abort) and results */
#define FA_NONE 0
#define FA_NO_VMA 1
#define FA_SEQ 2
#define FA_TRYLOCK 3
#define FA_MARKED 4
#define FA_DETACHED 5
#define FA_ACCESS 7
#define FA_NO_ANON_VMA 9
#define FA_NO_TABLE 10
#define FA_PRESENT 11
#define FA_PMD 12
#define FA_LOOKUP 13
#define OK 0
#define EFAULT 1

/* The writer's operations */
#define MUNMAP 1
#define MPROTECT 2
#define MREMAP 3
#define MMAP 4

byte tree[2];           /* the VMA tree: which VMA covers A, B */
byte vflags[NVMA];      /* vma->flags */
byte vanon[NVMA];       /* vma->anon_vma: 0 none, 1 V's (and N's), 2 W's */
bit vmoving[NVMA];      /* vma->moving (mremap's move_vma) */
byte vstate[NVMA];      /* LIVE .. FREED */

byte link[2];           /* the root's entries */
byte tpage[NT];         /* the table's entry: the page it maps (0: empty) */
bit twrite[NT];         /* ... writable */
bit ptl[NT];            /* the table's split lock (page->ptl) */
byte tstate[NT];        /* LIVE .. FREED */
byte tnext = 3;         /* the next table pte_alloc makes */
byte powner[NP];        /* the anon_vma a page was made for (page->anon.anon_vma) */
bit pfreed[NP];         /* the page went back to the allocator */
byte pnext = 1;

/* mmap_lock: an rwsem with FIFO fairness (kernel/locking/rwsem.c): a reader waits, and a trylock
 * fails, while a writer holds it or waits for it. One reader (the fault), two writers. */
byte mm_readers;
bit mm_writer;
byte mm_wwait;          /* writers waiting */
byte write_seq = 1;     /* mm->write_seq: bumped as each writer lets mmap_lock go */
bit in_rcu;             /* the faulting thread is in a read-side section */

/* For the properties */
byte wop;               /* the first writer's operation */
byte writers_done;
#define WRITERS_DONE (writers_done == 2)
bit thread_done;
byte stored;            /* the page the thread's store went into */
byte nstores;

#define VMA_ALIVE(x)    assert(vstate[x] != FREED)     /* no access to a freed VMA */
#define TABLE_ALIVE(x)  assert(tstate[x] != FREED)     /* no access to a freed page table */

/* ---- Locks ---- */

inline mmap_read_lock() {
	atomic { !mm_writer && !mm_wwait -> mm_readers++ }     /* mmap_read_lock: down_read(&mm->mmap_lock) */
}
inline mmap_read_trylock(res_ok) {
	atomic { if :: !mm_writer && !mm_wwait -> mm_readers++; res_ok = 1 :: else -> res_ok = 0 fi }   /* down_read_trylock(&mm->mmap_lock) */
}
inline mmap_read_unlock() {
	mm_readers--                                            /* mmap_read_unlock: up_read(&mm->mmap_lock) */
}
inline spin_lock(x) {
	atomic { ptl[x] == 0 -> TABLE_ALIVE(x); ptl[x] = 1 }    /* spin_lock(&tp->ptl) */
}
inline spin_unlock(x) {
	ptl[x] = 0                                              /* spin_unlock(&tp->ptl) */
}
inline rcu_read_lock() {
	in_rcu = 1                                              /* rcu_read_lock() */
}
inline rcu_read_unlock() {
	in_rcu = 0                                              /* rcu_read_unlock() */
}

/* ---- The MMU ---- */

/* The faulting CPU's TLB entry for the page, in mmap_lock.pml (which defines TLB): the MMU fills
 * it from the table and stores through it until a flush removes it; a write to a read-only entry
 * drops it and walks again. Elsewhere the store walks the tables as they are (a writer flushes
 * before it frees: the TLB is modelled once, where the fault waits for the writer). */
bit tlb_valid;
byte tlb_page;
bit tlb_write;

#ifdef TLB
#define NSTORES 2
inline mmu_store() {
	atomic {                                                /* the thread's store: a TLB hit, or the MMU's walk */
		ok = 0;
		if
		:: tlb_valid && tlb_write ->
			assert(!pfreed[tlb_page]);
			assert(!WRITERS_DONE || (tree[fa] != NONE && WR(vflags[tree[fa]])));
			stored = tlb_page; ok = 1
		:: else ->
			tlb_valid = 0;
			mt = link[fa];
			if
			:: mt != 0 && tpage[mt] != 0 && twrite[mt] ->
				tlb_valid = 1; tlb_page = tpage[mt]; tlb_write = 1;
				stored = tpage[mt]; ok = 1
			:: else -> skip
			fi
		fi
	}
}
#else
#define NSTORES 1
inline mmu_store() {
	atomic {                                                /* the thread's store: the MMU's walk */
		mt = link[fa];
		if
		:: mt != 0 && tpage[mt] != 0 && twrite[mt] -> stored = tpage[mt]; ok = 1
		:: else -> ok = 0
		fi
	}
}
#endif

/* ---- The fault core (mm/fault.c), with the VMA held still by the caller's lock ---- */

/* A present entry: make it what the VMA allows. The model has no zero page and no fork, so every
 * page is its entry's alone (page_exclusive): fault_cow, where a write meets a read-only entry in
 * a writable VMA, would reuse the page, which is this upgrade. */
inline fault_present(vv) {
	spin_lock(t);
	atomic { TABLE_ALIVE(t); ok = (tpage[t] == old && twrite[t] == oldw) }   /* fault_present: if (pte_read_once(e) != old): spurious */
	if
	:: ok ->
		atomic {                                        /* fault_present: want = user_pte(p, vma->flags, true); pte_change_locked(e, old, want) */
			VMA_ALIVE(vv); TABLE_ALIVE(t);
			nw = WR(vflags[vv]);
			if :: twrite[t] != nw -> twrite[t] = nw :: else -> skip fi
		}
	:: else -> skip
	fi;
	spin_unlock(t);
	tlb_valid = 0;                                          /* fault_present: arch_tlb_flush_user_page_local() */
	res = OK
}

inline fault_core(vv) {
	t = link[fa];                                           /* pte_alloc: v = pte_read_once(e) */
	if
	:: t == 0 ->
		atomic {                                        /* pte_alloc: pte_cmpxchg(e, 0, link) */
			assert(tnext < NT);                     /* the model's bound on tables */
			if
			:: link[fa] == 0 -> link[fa] = tnext; t = tnext; tnext++
			:: else -> t = link[fa]
			fi
		}
	:: else -> skip
	fi;
	atomic { TABLE_ALIVE(t); old = tpage[t]; oldw = twrite[t] }   /* fault_core: old = pte_read_once(e) */
	if
	:: old != 0 -> fault_present(vv)
	:: else ->
		atomic {                                        /* new_page: anon_vma_prepare(vma); p->anon.anon_vma = vma->anon_vma */
			VMA_ALIVE(vv);
			if :: vanon[vv] == 0 -> vanon[vv] = vv :: else -> skip fi;
			na = vanon[vv]
		}
		atomic { VMA_ALIVE(vv); nw = WR(vflags[vv]) }   /* fault_core: new = user_pte(p, vma->flags, true) */
		spin_lock(t);
		atomic {                                        /* fault_core: pte_cmpxchg(e, 0, new); account_map() */
			TABLE_ALIVE(t);
			if
			:: tpage[t] == 0 -> PAGE_BOUND; tpage[t] = pnext; twrite[t] = nw; powner[pnext] = na; pnext++
			:: else -> skip
			fi
		}
		spin_unlock(t);
		res = OK
	fi
}

/* The classic path, mmap_lock held for read. */
inline fault_under_mmap_lock() {
	v = tree[fa];                                           /* fault_under_mmap_lock: vma = vma_lookup(mm, addr) */
	ok = (v != NONE && WR(vflags[v]));                      /* fault_under_mmap_lock: if (vma && fault_access_ok(vma, access)) */
	if
	:: ok -> fault_core(v)
	:: else -> res = EFAULT
	fi;
	mmap_read_unlock()
}

inline fault_locked() {
	mmap_read_lock();
	fault_under_mmap_lock()
}

/* ---- The speculative fault (spf, adaptive): fault_speculative_or_locked in mm/fault.c ----
 * The strategy supplies spec_begin (ops->begin) and spec_validate (ops->validate); each sets
 * why. Write faults only: the page is allocated after a first walk, and the attempt starts again
 * with it. */
inline fault_speculative_or_locked() {
	tries = 0;
spec_call:
	havep = 0;
spec_again:
	rcu_read_lock();
	v = tree[fa];                                           /* fault_speculative: sf.vma = vma_tree_find(&mm->vmas, sf.addr) */
	if
	:: v == NONE -> why = FA_NO_VMA; goto spec_abort
	:: else -> skip
	fi;
	spec_begin();
	if
	:: why != FA_NONE -> goto spec_abort
	:: else -> skip
	fi;
	atomic { VMA_ALIVE(v); sflags = vflags[v] }             /* fault_speculative: sf.flags = READ_ONCE(v->flags) */
	atomic { VMA_ALIVE(v); sanon = vanon[v] }               /* fault_speculative: sf.anon_vma = READ_ONCE(v->anon_vma) */
	if
	:: !WR(sflags) -> why = FA_ACCESS; goto spec_abort
	:: WR(sflags) && sanon == 0 -> why = FA_NO_ANON_VMA; goto spec_abort
	:: else -> skip
	fi;
	t = link[fa];                                           /* fault_speculative: the walk: ev = pte_read_once(e) */
	if
	:: t == 0 -> why = FA_NO_TABLE; goto spec_abort
	:: else -> skip
	fi;
	atomic { TABLE_ALIVE(t); old = tpage[t] }               /* fault_speculative: if (pte_read_once(e)) goto abort (FA_PRESENT) */
	if
	:: old != 0 -> why = FA_PRESENT; goto spec_abort
	:: else -> skip
	fi;
	if
	:: !havep ->
		rcu_read_unlock();                              /* fault_speculative: rcu_read_unlock(); p = alloc_page(); goto again */
		havep = 1;
		goto spec_again
	:: else -> skip
	fi;
	atomic {                                                /* fault_speculative: spin_trylock(&tp->ptl) */
		TABLE_ALIVE(t);
		if :: ptl[t] == 0 -> ptl[t] = 1; ok = 1 :: else -> ok = 0 fi
	}
	if
	:: !ok -> why = FA_TRYLOCK; goto spec_abort
	:: else -> skip
	fi;
	spec_validate();
	why = (why == FA_NONE && link[fa] != t -> FA_PMD : why); /* fault_speculative: if (!why && pte_read_once(link) != linkval) why = FA_PMD */
	if
	:: why != FA_NONE -> spin_unlock(t); goto spec_abort
	:: else -> skip
	fi;
	atomic { TABLE_ALIVE(t); old = tpage[t] }               /* fault_speculative: if (pte_read_once(e)): another fault got there */
	if
	:: old != 0 -> spin_unlock(t); rcu_read_unlock(); res = OK; goto spec_done
	:: else -> skip
	fi;
	atomic {                                                /* fault_speculative: pte_change_locked(e, 0, user_pte(page, sf.flags, true)) */
		TABLE_ALIVE(t); PAGE_BOUND;
		tpage[t] = pnext; twrite[t] = WR(sflags); powner[pnext] = sanon; pnext++
	}
	spin_unlock(t);
	rcu_read_unlock();
	res = OK;
	goto spec_done;
spec_abort:
	rcu_read_unlock();                                      /* fault_speculative: abort: rcu_read_unlock(); put_page(p) */
	if
	:: why == FA_TRYLOCK && tries == 0 -> tries = 1; goto spec_call   /* fault_speculative_or_locked: FA_TRYLOCK: once more */
	:: else ->
		if
		:: busted_fallback -> res = OK                  /* progress's twin: no fallback; return 0, the access retries */
		:: else -> fault_locked()                       /* fault_speculative_or_locked: fault_locked(mm, addr, access) */
		fi
	fi;
spec_done:
	skip
}
