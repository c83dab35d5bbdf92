/*
 * torture=mm's readers without mmap_lock (the suite is described in torture_mm.c): walkers that
 * walk the page tables under rcu_read_lock() alone, as a speculative fault does, and racers
 * that fault into the pages a worker is changing, where a strategy lets faults run beside VMA
 * writers; with the race windows of both sides widened.
 */
#include "mm/torture_mm.h"
#include "mm/fault.h"
#include "kernel/percpu.h"

/* A lockless walk of the page tables to a random page of a random region, as a speculative fault
 * will walk them: under rcu_read_lock() alone, with VMA writers and faults changing the tables
 * on other CPUs. After each entry it reads, the table it read it from must still be a page table:
 * a table unlinked after this walk read the entry that led to it is freed only after a grace
 * period, which cannot end while this walk is inside its read-side section. */
static void walk_once(struct tm_thread *t)
{
	struct tm_state *st = t->st;
	/* A region a worker holds, if one is found in a few tries: its tables are the ones that
	 * change (the owner word is only a hint here, read without ordering). */
	struct tm_region *g = NULL;
	for (unsigned k = 0; k < 4 && (!g || !__atomic_load_n(&g->owner, __ATOMIC_RELAXED)); k++)
		g = &st->regions[torture_random(&t->rnd) % st->nregions];
	uintptr_t va = page_va(g, (unsigned)(torture_random(&t->rnd) % TM_PAGES));
	rcu_read_lock();
	phys_addr_t table = st->mm->pgd;
	for (int l = PT_LEVELS - 1; l >= 0; l--) {
		const pte_t *tv = (const pte_t *)phys_to_virt(table);
		pte_t e = pte_read_once(&tv[pt_index(va, l)]);
		/* The entry's read before the flag's: a free clears the flag before the page can be
		 * reused, so a flag still set means the entry was read from a live table. */
		arch_rmb();
		struct page *tp = pfn_to_page(table >> PAGE_SHIFT);
		if (!(READ_ONCE(tp->flags) & PG_pgtable)) {
			torture_error(st->r, "a lockless walk to %#lx read an entry of a level-%d "
				      "table (%#llx) that had been freed under it",
				      (unsigned long)va, l, (unsigned long long)table);
			break;
		}
		if (l == 0 || !pte_is_table(e, l))
			break;
		table = pte_addr(e, l);
		/* Widen the window between finding a table and reading it. */
		if (torture_random(&t->rnd) % 2)
			torture_udelay((unsigned)(torture_random(&t->rnd) % 30));
	}
	rcu_read_unlock();
}

/* The race windows, widened (fault_race_delay, mm/fault.h): a fault waits up to 100 us one time
 * in two between trusting its VMA and installing, a writer up to 10 us one time in four before
 * a store, a zap or a protect; so that a fault's window often spans a writer's whole change,
 * and a writer's often lets a fault in. The random state is per CPU, used with interrupts off. */
static DEFINE_PER_CPU(u64, race_rnd);

void tm_race_delay(int side)
{
	unsigned long f = arch_irq_save();
	u64 *rnd = this_cpu_ptr(&race_rnd);
	if (!*rnd)
		*rnd = 0x9e3779b97f4a7c15ull * (smp_processor_id() + 1);
	u64 x = torture_random(rnd);
	arch_irq_restore(f);
	if (side == RACE_FAULT && x % 2 == 0)
		torture_udelay((unsigned)((x >> 8) % 100));
	else if (side == RACE_WRITER && x % 4 == 0)
		torture_udelay((unsigned)((x >> 8) % 10));
}

/* Faults from outside: a burst of faults (handle_mm_fault, as the trap would call it, without
 * touching the memory) at random pages of a region some worker holds, while the owner maps,
 * unmaps, protects and moves them. A fault the strategy gets right changes nothing the model
 * sees: a read maps the zero page, a write a zeroed page (or replaces the zero page by one, or
 * finds the entry already right), where the VMA allows it, and the model's word of a page never
 * written is 0. A fault that trusts a VMA a writer is changing installs an entry the owner's
 * next check finds: where nothing is mapped, writable where the VMA is read-only, or left in a
 * table that should have been freed. This is what each strategy's twin must be caught by. */
static void race_once(struct tm_thread *t)
{
	struct tm_state *st = t->st;
	struct tm_region *g = NULL;
	for (unsigned k = 0; k < 8 && (!g || !READ_ONCE(g->hot_n)); k++)
		g = &st->regions[torture_random(&t->rnd) % st->nregions];
	unsigned n = 1 + (unsigned)(torture_random(&t->rnd) % 16), done = 0;
	for (unsigned k = 0; k < n; k++) {
		/* A page the owner's operation is changing, if it is changing any (a hint, read
		 * racily: nothing is checked against it here). */
		/* Only while the owner changes the region: at other times the racers' faults
		 * would fill every empty entry at once, and leave none for the races that
		 * matter, a fault into an entry a writer is taking away. */
		unsigned a = READ_ONCE(g->hot_a), hn = READ_ONCE(g->hot_n), i = 0;
		if (!hn || a + hn > TM_PAGES)
			break;
		/* A page in a VMA that allows access, with an empty entry, if a few tries find one
		 * (the speculative strategies' own ground: a present entry, a hole or PROT_NONE
		 * goes to mmap_lock and only waits there); else, one time in 16, the last in such a
		 * VMA (an upgrade, a zero page replaced); else none. The tree and the entry are
		 * read as the walkers read the tables, under rcu_read_lock() alone, as hints. */
		bool found = false, writable = false, empty = false;
		for (unsigned tries = 0; tries < 6 && !empty; tries++) {
			unsigned c = a + (unsigned)(torture_random(&t->rnd) % hn);
			struct page *table;
			rcu_read_lock();
			struct vma *v = vma_tree_find(&st->mm->vmas, page_va(g, c), NULL);
			unsigned long fl = v ? READ_ONCE(v->flags) : 0;
			pte_t *e = pte_find(st->mm, page_va(g, c), &table, NULL);
			bool none = !e || !pte_read_once(e);
			rcu_read_unlock();
			if (!(fl & VM_ACCESS_FLAGS))
				continue;
			i = c;
			found = true;
			writable = fl & VM_WRITE;
			empty = none;
		}
		if (!found || (!empty && torture_random(&t->rnd) % 16))
			continue;
		unsigned access = writable && torture_random(&t->rnd) % 2 ? FAULT_WRITE : FAULT_READ;
		handle_mm_fault(st->mm, page_va(g, i), access | FAULT_USER);
		done++;
	}
	count(st, TM_RACE, done);   /* faults made: "no races were done" must mean that */
}

/* A racer's round: eight bursts of faults. */
static long racer_round(struct tm_thread *t)
{
	for (unsigned k = 0; k < 8; k++)
		race_once(t);
	return 8;
}

/* A walker's round: 64 walks. */
static long walker_round(struct tm_thread *t)
{
	for (unsigned k = 0; k < 64; k++)
		walk_once(t);
	count(t->st, TM_WALK, 64);
	return 64;
}

void tm_racer(void *arg) { tm_thread_run(arg, racer_round); }
void tm_walker(void *arg) { tm_thread_run(arg, walker_round); }
