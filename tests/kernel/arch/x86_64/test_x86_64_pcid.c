/* x86_64 PCIDs (arch/x86_64/pcid.c), suite "x86_64": CR4.PCIDE is what the CPU and mm.pcid
 * say on every CPU; the slot choice keeps a PCID's entries only for the mm it holds at that mm's
 * current generation; more address spaces than slots, switched among on every CPU at once, each
 * read their own page; a shootdown of an mm that sits in a slot of a CPU that does not have it
 * loaded sends that CPU no IPI, and its next load of the mm flushes (the generation path); a
 * new mm at a freed one's address is not taken for it.
 *
 * QEMU's TCG has no PCIDs, and flushes its whole TLB at every CR3 load: there a stale
 * translation can never show, so the cases also check the choices themselves (pcid_choose on a
 * table of their own, and each CPU's counts), which debug.pcid_model=1 keeps on a CPU without
 * PCIDs. With mm.pcid=0, or no PCIDs and no model, they check that nothing is counted. */
#include "arch/x86_64/pcid.h"
#include "arch/x86_64/x86.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/smp.h"
#include "kernel/sched/thread.h"
#include "kernel/sched/timer.h"
#include "lib/string.h"
#include "mm/mm.h"
#include "mm/page.h"
#include "mm/pgtable.h"
#include "mm/tlb.h"
#include "tests/kernel/ktest_util.h"

#define USER_VA    0x400000ul
#define USER_PROT  (MMU_READ | MMU_WRITE | MMU_USER)
#define NR_SPACES  (PCID_SLOTS + 2)

static const char *const mode_names[] = { "off", "model", "on" };

static bool slots_kept(void) { return x86_pcid_mode != PCID_OFF; }

static void stats_sub(struct pcid_stats *d, const struct pcid_stats *a,
		      const struct pcid_stats *b)
{
	d->flushing = a->flushing - b->flushing;
	d->keeping = a->keeping - b->keeping;
	d->evictions = a->evictions - b->evictions;
}

static struct page *map_value(struct ktest *t, struct mm *mm, u64 value)
{
	struct page *p = alloc_page(GFP_ZERO);
	if (!KEXPECT(t, p != NULL))
		return NULL;
	*(u64 *)page_address(p) = value;
	if (!KEXPECT_EQ(t, pt_map(mm->pgd, USER_VA, page_to_phys(p), PAGE_SIZE, USER_PROT, 0), 0)) {
		free_page(p);
		return NULL;
	}
	return p;
}

static void unmap_flush(struct mm *mm)
{
	int level = 0;
	pt_unmap(mm->pgd, USER_VA, PAGE_SIZE, &level);
	tlb_flush_mm_range(mm, USER_VA, PAGE_SIZE, level);
}

static u64 cr4_of[MAX_CPUS];
static void read_cr4(void *arg)
{
	(void)arg;
	cr4_of[smp_processor_id()] = x86_read_cr4();
}

KTEST(x86_64, pcid_mode_matches_cpu)
{
	u32 a, b, c, d;
	x86_cpuid(1, 0, &a, &b, &c, &d);
	bool has_pcid = c & (1u << 17);
	x86_cpuid(7, 0, &a, &b, &c, &d);
	bool has_invpcid = b & (1u << 10);   /* reported only: pcid.c has no use for it */
	KEXPECT_EQ(t, x86_pcid_mode == PCID_ON, has_pcid && x86_pcid_wanted);
	KEXPECT(t, x86_pcid_wanted || x86_pcid_mode == PCID_OFF);   /* mm.pcid=0: no model either */
	memset(cr4_of, 0, sizeof(cr4_of));
	smp_call_function(cpu_online_mask, read_cr4, NULL, true);
	for (unsigned n = 0; n < nr_cpus_online; n++)
		if (!KEXPECT_EQ(t, !!(cr4_of[n] & X86_CR4_PCIDE), x86_pcid_mode == PCID_ON))
			ktest_log(t, "CPU %u: CR4 %#lx", n, (unsigned long)cr4_of[n]);
	ktest_log(t, "CPUID: PCID %d, INVPCID %d; mm.pcid=%d; PCIDs %s; CR4 of CPU 0 %#lx",
		  has_pcid, has_invpcid, x86_pcid_wanted, mode_names[x86_pcid_mode],
		  (unsigned long)cr4_of[0]);
}

/* The choice alone, on a table of this test's: whatever the mode, and whatever the hardware. */
KTEST(x86_64, pcid_slot_choice)
{
	struct pcid_cpu pc;
	memset(&pc, 0, sizeof(pc));
	unsigned s1, s;
	KEXPECT(t, pcid_choose(&pc, 1, 0, &s1));          /* new: flush */
	KEXPECT(t, !pcid_choose(&pc, 1, 0, &s));          /* again, same generation: keep */
	KEXPECT_EQ(t, s, s1);
	KEXPECT(t, pcid_choose(&pc, 1, 1, &s));           /* a shootdown since: flush */
	KEXPECT_EQ(t, s, s1);
	KEXPECT(t, !pcid_choose(&pc, 1, 1, &s));          /* ... once */
	bool used[PCID_SLOTS] = { false };
	used[s1] = true;
	for (u64 id = 2; id <= PCID_SLOTS; id++) {         /* fill the other slots */
		KEXPECT(t, pcid_choose(&pc, id, 0, &s));
		KEXPECT(t, s < PCID_SLOTS && !used[s]);
		used[s] = true;
	}
	KEXPECT_EQ(t, pc.stats.evictions, 0);
	KEXPECT(t, !pcid_choose(&pc, 1, 1, &s));          /* still held */
	/* One more: the least recently used (id 2) goes, and id 2 must flush to come back, though
	 * its generation has not moved: its slot holds id 7 now (and then id 3's goes). */
	unsigned s2;
	KEXPECT(t, pcid_choose(&pc, PCID_SLOTS + 1, 0, &s2));
	KEXPECT_EQ(t, pc.stats.evictions, 1);
	KEXPECT(t, pcid_choose(&pc, 2, 0, &s));
	KEXPECT(t, s != s2 && s != s1);
	KEXPECT_EQ(t, pc.stats.evictions, 2);
	KEXPECT_EQ(t, pc.stats.flushing, 2 + (PCID_SLOTS - 1) + 2);
	KEXPECT_EQ(t, pc.stats.keeping, 3);
}

/* Every CPU switches among NR_SPACES address spaces, more than its slots, in its own
 * pseudo-random order, and reads USER_VA in each: it must see that space's page. */
struct switcher {
	struct mm **mm;
	unsigned cpu, bad, reads;
	u32 seed;
};

static u64 value_of(unsigned i) { return 0x5ace0000 + i; }

static void switcher_fn(void *arg)
{
	struct switcher *w = arg;
	u32 x = w->seed;
	for (int round = 0; round < 100; round++) {
		unsigned long flags = arch_irq_save();   /* no mm of its own: stay put meanwhile */
		w->cpu = smp_processor_id();
		for (int k = 0; k < 8; k++) {
			x = x * 1103515245u + 12345u;
			unsigned i = (x >> 16) % NR_SPACES;
			mm_switch(w->mm[i]);
			u64 v = 0;
			if (arch_probe_read((void *)USER_VA, &v) != 0 || v != value_of(i))
				w->bad++;
			w->reads++;
		}
		mm_switch(&init_mm);
		arch_irq_restore(flags);
	}
}

KTEST(x86_64, pcid_more_spaces_than_slots)
{
	struct mm *mm[NR_SPACES];
	struct page *pg[NR_SPACES];
	for (unsigned i = 0; i < NR_SPACES; i++) {
		mm[i] = mm_create();
		KASSERT(t, mm[i] != NULL);
		pg[i] = map_value(t, mm[i], value_of(i));
		KASSERT(t, pg[i] != NULL);
	}
	unsigned n = nr_cpus_online;
	struct switcher w[MAX_CPUS];
	struct pcid_stats before[MAX_CPUS], after, d, sum = { 0, 0, 0 };
	for (unsigned c = 0; c < n; c++) {
		w[c] = (struct switcher){ .mm = mm, .seed = 7 + 31 * c };
		x86_pcid_get_stats(c, &before[c]);
	}
	ktest_run_threads(t, n, true, switcher_fn, w, sizeof(w[0]));
	for (unsigned c = 0; c < n; c++) {
		x86_pcid_get_stats(c, &after);
		stats_sub(&d, &after, &before[c]);
		sum.flushing += d.flushing;
		sum.keeping += d.keeping;
		sum.evictions += d.evictions;
		if (!KEXPECT_EQ(t, w[c].bad, 0))
			ktest_log(t, "CPU %u read another space's value (or none) %u times of %u",
				  w[c].cpu, w[c].bad, w[c].reads);
		ktest_log(t, "CPU %u: %u reads; loads: %lu flushed, %lu kept; %lu evictions", w[c].cpu,
			  w[c].reads, d.flushing, d.keeping, d.evictions);
	}
	ktest_log(t, "PCIDs %s, %u spaces, %u slots: %lu loads flushed, %lu kept; %lu evictions",
		  mode_names[x86_pcid_mode], NR_SPACES, PCID_SLOTS, sum.flushing, sum.keeping,
		  sum.evictions);
	if (slots_kept()) {
		/* Random among 8 over 6 slots: hits, misses and evictions all happen. */
		KEXPECT(t, sum.keeping > 0 && sum.flushing > 0 && sum.evictions > 0);
	} else {
		KEXPECT_EQ(t, sum.flushing + sum.keeping + sum.evictions, 0);
	}
	for (unsigned i = 0; i < NR_SPACES; i++) {
		KEXPECT_EQ(t, mm[i]->cpumask, 0);
		unmap_flush(mm[i]);
		free_page(pg[i]);
		mm_put(mm[i]);
	}
}

/* The generation path: a CPU loads the mm and reads its page, then loads init_mm, so the mm
 * stays in a slot there without being loaded. The page is unmapped and the mm flushed: no CPU
 * has it loaded, so no IPI goes out. When that CPU loads the mm again, its slot (still holding
 * the mm) has not seen the new generation: the load must flush, and the page must fault. */
struct genpath {
	struct mm *mm;
	volatile int phase;   /* 1: the mm sits in a slot of that CPU; 2: it was flushed */
	unsigned cpu;
	int first, second;
	u64 first_value;
	struct pcid_stats before, after;
};

static void genpath_fn(void *arg)
{
	struct genpath *g = arg;
	unsigned long flags = arch_irq_save();
	g->cpu = smp_processor_id();
	mm_switch(g->mm);
	g->first = arch_probe_read((void *)USER_VA, &g->first_value);   /* cached under its PCID */
	mm_switch(&init_mm);
	arch_irq_restore(flags);
	smp_store_release(&g->phase, 1);
	while (smp_load_acquire(&g->phase) < 2)
		sleep_ns(100000);
	flags = arch_irq_save();
	x86_pcid_get_stats(g->cpu, &g->before);
	mm_switch(g->mm);
	x86_pcid_get_stats(g->cpu, &g->after);
	u64 v;
	g->second = arch_probe_read((void *)USER_VA, &v);
	mm_switch(&init_mm);
	arch_irq_restore(flags);
}

KTEST(x86_64, pcid_flush_of_mm_held_but_not_loaded)
{
	struct mm *mm = mm_create();
	KASSERT(t, mm != NULL);
	struct page *p = map_value(t, mm, 0x9e9);
	KASSERT(t, p != NULL);
	struct genpath g = { .mm = mm };
	struct thread *th = kthread_create(genpath_fn, &g, "pcid-genpath");
	KASSERT(t, th != NULL);
	kthread_bind(th, nr_cpus_online - 1);
	thread_start(th);
	while (smp_load_acquire(&g.phase) < 1)
		sleep_ns(100000);
	KEXPECT_EQ(t, READ_ONCE(mm->cpumask), 0);
	struct tlb_stats before, after;
	tlb_get_stats(&before);
	u64 gen = READ_ONCE(mm->tlb_gen);
	unmap_flush(mm);
	tlb_get_stats(&after);
	KEXPECT_EQ(t, READ_ONCE(mm->tlb_gen), gen + 1);
	KEXPECT_EQ(t, after.ipis_sent - before.ipis_sent, 0);   /* nobody had it loaded */
	smp_store_release(&g.phase, 2);
	thread_join(th);
	KEXPECT_EQ(t, g.first, 0);
	KEXPECT_EQ(t, g.first_value, 0x9e9);
	if (!KEXPECT_EQ(t, g.second, -EFAULT))
		ktest_log(t, "CPU %u still reaches the page after the flush", g.cpu);
	struct pcid_stats d;
	stats_sub(&d, &g.after, &g.before);
	ktest_log(t, "CPU %u loaded it again: %lu load flushed, %lu kept, %lu evictions (PCIDs %s)",
		  g.cpu, d.flushing, d.keeping, d.evictions, mode_names[x86_pcid_mode]);
	if (slots_kept()) {
		/* Its slot still held it (no eviction): the generation made the load flush. */
		KEXPECT_EQ(t, d.flushing, 1);
		KEXPECT_EQ(t, d.keeping, 0);
		KEXPECT_EQ(t, d.evictions, 0);
	} else {
		KEXPECT_EQ(t, d.flushing + d.keeping + d.evictions, 0);
	}
	free_page(p);
	mm_put(mm);
}

/* An mm is loaded (so a slot names it), freed, and a new one made, often at the same address
 * (slab): loading the new one must not find the old one's slot. Pinned, so that one CPU's slots
 * see it all. */
struct reuse {
	struct ktest *t;
	bool same_address;
	struct pcid_stats d;
};

static void reuse_fn(void *arg)
{
	struct reuse *r = arg;
	struct ktest *t = r->t;
	struct mm *old = mm_create();
	KASSERT(t, old != NULL);
	unsigned long flags = arch_irq_save();
	mm_switch(old);
	mm_switch(&init_mm);
	arch_irq_restore(flags);
	u64 old_id = old->context.id;
	uintptr_t old_address = (uintptr_t)old;
	mm_put(old);
	struct mm *mm = mm_create();
	KASSERT(t, mm != NULL);
	r->same_address = (uintptr_t)mm == old_address;
	KEXPECT(t, mm->context.id > old_id);
	struct pcid_stats before, after;
	flags = arch_irq_save();
	x86_pcid_get_stats(smp_processor_id(), &before);
	mm_switch(mm);
	x86_pcid_get_stats(smp_processor_id(), &after);
	mm_switch(&init_mm);
	arch_irq_restore(flags);
	stats_sub(&r->d, &after, &before);
	mm_put(mm);
}

KTEST(x86_64, pcid_new_mm_at_freed_address)
{
	struct reuse r = { .t = t };
	ktest_run_threads(t, 1, true, reuse_fn, &r, sizeof(r));
	ktest_log(t, "the new mm %s the freed one's address; its load: %lu flushed, %lu kept",
		  r.same_address ? "has" : "does not have", r.d.flushing, r.d.keeping);
	if (slots_kept()) {
		KEXPECT_EQ(t, r.d.flushing, 1);
		KEXPECT_EQ(t, r.d.keeping, 0);
	}
}
