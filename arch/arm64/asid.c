/* arm64 ASIDs: one per user address space, given at its first switch and reused in generations
 * (the protocol of Linux's arch/arm64/mm/context.c; docs/arm64.md, "ASIDs", walks through it).
 * An mm's id is generation | ASID. A CPU that switches to an mm whose id is of the current
 * generation only publishes the id in its active_asid (the fast path: no lock); otherwise it
 * takes asid_lock and gets a number in the current generation, starting a new one (a rollover)
 * when none is free.
 *
 * Locking: asid_lock, a raw spinlock (interrupts are off in arch_mmu_switch), guards asid_map,
 * next_asid, flush_pending, every CPU's reserved_asid, and the writes of asid_generation and of
 * the mm ids. The fast path and the user TLB flushes read the generation and the ids without it;
 * active_asid changes only by atomic read-modify-writes. */
#include "arch/arm64/arm64.h"
#include "kernel/panic.h"
#include "kernel/param.h"
#include "kernel/printk.h"
#include "kernel/locking/spinlock.h"
#include "lib/string.h"
#include "mm/mm.h"

/*
 * Why no CPU ever uses another address space's entries (ARM ARM D8.13: a non-global entry is
 * tagged with the ASID it was made under, and is used only under that ASID):
 *  1. In one generation a number goes to one mm at most: its bit in asid_map is set when it is
 *     handed out, and only a rollover clears it. (So arch_mm_destroy gives nothing back.)
 *  2. A CPU flushes its whole TLB before it loads its first ASID of a new generation
 *     (flush_pending), so whatever it cached under a number in an older generation is gone
 *     before that number can name another mm there.
 *  3. A rollover takes no number from a CPU that is running it: each CPU's active_asid, or the
 *     reserved_asid carried by the last rollover if the CPU has not switched since, is marked
 *     taken in the new generation and becomes its reserved_asid. An mm whose old id some CPU
 *     reserves keeps its number, and every copy is renewed (or the next rollover would miss
 *     it). So an mm runs under one number at a time on every CPU, and a flush by the number
 *     in its id reaches all of them.
 *
 * The fast path runs beside a rollover on another CPU, which exchanges every active_asid with
 * 0. Read-modify-writes of one location are totally ordered (ARM ARM B2.3, coherence), so
 * either the fast path's compare-and-swap comes first, and the rollover reads the id from it
 * and carries the number over (rule 3): the CPU may go on with it, and its next switch takes
 * the slow path (active_asid is 0) and flushes; or the exchange comes first, the swap finds 0
 * and fails, and the CPU takes the lock behind the rollover. The swap cannot come first with an
 * id of the new generation: that id was written under the lock after the exchange, and the
 * swap stores a value that depends on it (ARM ARM B2.3: a store is not observed before the
 * loads its data depends on).
 *
 * Two CPUs switching to one mm at once: the slow paths are serialised by the lock, and the
 * second finds the id current and keeps it. A CPU that ran an mm when a rollover carried its
 * number, and then switched away, keeps the id in reserved_asid until the next rollover: the
 * number stays the mm's in this generation (its bit is set) and the mm takes it back when it
 * next runs anywhere.
 */

#define ASID_MAX_BITS 16
#define TCR_AS        (1ull << 36)   /* TCR_EL1.AS: 16-bit ASIDs (head.S sets it if it may) */

static s64 asid_bits_param;   /* 0: the CPU's width */
PARAM_INT("mm.asid_bits", asid_bits_param, 0, ASID_MAX_BITS,
	  "arm64: use this many ASID bits, up to the CPU's (default 0: all of them); fewer "
	  "forces rollovers");

static unsigned asid_bits;       /* in use; written once by arm64_asid_init */
static u64 asid_generation;      /* n << asid_bits, n >= 1 (so no id of it is 0); lock to write */
static spinlock_t asid_lock = SPINLOCK_INIT;
static u64 asid_map[(1u << ASID_MAX_BITS) / 64];   /* numbers taken in this generation */
static unsigned next_asid = 1;   /* where the search for a free number starts */
static cpumask_t flush_pending;  /* CPUs that must flush before loading a new generation's ASID */

/* The id this CPU runs, or ran last (init_mm leaves it); 0 once a rollover has carried it. */
static DEFINE_PER_CPU(u64, active_asid);
/* The id the last rollover carried over for this CPU (asid_lock). */
static DEFINE_PER_CPU(u64, reserved_asid);
static DEFINE_PER_CPU(struct arm64_asid_stats, asid_stats);   /* interrupts off */

static inline u64 id_asid(u64 id) { return id & ((1ull << asid_bits) - 1); }
static inline bool id_is_current(u64 id, u64 generation)
{
	return (id >> asid_bits) == (generation >> asid_bits);
}
static inline u64 generation_read(void)
{
	return __atomic_load_n(&asid_generation, __ATOMIC_RELAXED);
}
static inline u64 mm_id_read(const struct mm *mm)
{
	return __atomic_load_n(&mm->context.id, __ATOMIC_RELAXED);
}

static inline bool asid_test_and_set_locked(u64 asid)
{
	u64 bit = 1ull << (asid % 64), old = asid_map[asid / 64];
	asid_map[asid / 64] = old | bit;
	return old & bit;
}

/* The first free number at or above `from`, or 0 if there is none. */
static unsigned asid_find_free_locked(unsigned from)
{
	unsigned n = 1u << asid_bits;
	for (unsigned w = from / 64; w * 64 < n; w++) {
		u64 free = ~asid_map[w];
		if (w == from / 64)
			free &= ~0ull << (from % 64);
		if (n - w * 64 < 64)
			free &= (1ull << (n - w * 64)) - 1;
		if (free)
			return w * 64 + (unsigned)__builtin_ctzll(free);
	}
	return 0;
}

/* A new generation: every number is free again but ASID 0 and those the CPUs are running
 * (rule 3), and every CPU flushes before it loads a number of it (rule 2). */
static void asid_rollover_locked(void)
{
	__atomic_store_n(&asid_generation, asid_generation + (1ull << asid_bits), __ATOMIC_RELAXED);
	memset(asid_map, 0, ((1u << asid_bits) + 63) / 64 * sizeof(u64));
	asid_map[0] = 1;
	for (unsigned c = 0; c < nr_cpus_possible; c++) {
		u64 id = __atomic_exchange_n(per_cpu_ptr(&active_asid, c), 0, __ATOMIC_RELAXED);
		if (id == 0)   /* not switched since the last rollover: still running what it carried */
			id = *per_cpu_ptr(&reserved_asid, c);
		*per_cpu_ptr(&reserved_asid, c) = id;
		asid_test_and_set_locked(id_asid(id));
	}
	flush_pending = ~(cpumask_t)0;
	next_asid = 1;
	this_cpu_ptr(&asid_stats)->rollovers++;
}

/* If some CPU runs `id` (of an older generation) as carried by the last rollover, the mm keeps
 * its number: renew every such copy to the new id, so the next rollover recognises it. */
static bool asid_renew_reserved_locked(u64 id, u64 new_id)
{
	bool hit = false;
	for (unsigned c = 0; c < nr_cpus_possible; c++) {
		u64 *r = per_cpu_ptr(&reserved_asid, c);
		if (*r == id) {
			*r = new_id;
			hit = true;
		}
	}
	return hit;
}

/* An id of the current generation for an mm whose id (0: none yet) is older. */
static u64 asid_new_id_locked(u64 id)
{
	u64 generation = asid_generation;
	if (id) {
		u64 new_id = generation | id_asid(id);
		if (asid_renew_reserved_locked(id, new_id))
			return new_id;
		if (!asid_test_and_set_locked(id_asid(id)))   /* its old number is still free */
			return new_id;
	}
	unsigned asid = asid_find_free_locked(next_asid);
	if (!asid) {
		asid_rollover_locked();
		generation = asid_generation;
		/* At most one number per CPU is carried, and arm64_asid_init left more. */
		asid = asid_find_free_locked(1);
		BUG_ON(!asid);
	}
	asid_test_and_set_locked(asid);
	next_asid = asid;
	this_cpu_ptr(&asid_stats)->allocations++;
	return generation | asid;
}

static u64 asid_switch_slow(struct mm *mm)
{
	unsigned cpu = smp_processor_id();
	struct arm64_asid_stats *st = this_cpu_ptr(&asid_stats);
	BUG_ON(!asid_bits);   /* arm64_asid_init runs before any user address space */
	__spin_lock(&asid_lock);
	st->slow_paths++;
	u64 id = mm->context.id;   /* only written under the lock */
	if (!id_is_current(id, asid_generation)) {
		id = asid_new_id_locked(id);
		__atomic_store_n(&mm->context.id, id, __ATOMIC_RELAXED);
		/* A user flush of mm on another CPU clears entries, then (DSB ISH) reads the id and
		 * invalidates by its number. Complete the new id before the MSR that lets our walks
		 * begin (a DSB holds back every later instruction; a DMB does not order table
		 * walks, ARM ARM B2.3 and D8.2.8): either that CPU reads the new number, or it read
		 * the old one before our walks began, so they see its cleared entries. */
		__asm__ __volatile__("dsb ish" ::: "memory");
	}
	if (cpumask_test(flush_pending, cpu)) {
		flush_pending &= ~(1ull << cpu);
		arch_tlb_flush_all_local();   /* rule 2; TTBR0 still holds a carried number */
		st->tlb_flushes++;
	}
	__atomic_store_n(this_cpu_ptr(&active_asid), id, __ATOMIC_RELAXED);
	__spin_unlock(&asid_lock);
	return id_asid(id);
}

u64 arm64_asid_switch(struct mm *mm)
{
	u64 *active = this_cpu_ptr(&active_asid);
	u64 id = mm_id_read(mm);
	u64 old = __atomic_load_n(active, __ATOMIC_RELAXED);
	/* The fast path: see the top of this file for the race with a rollover. */
	if (old && id_is_current(id, generation_read()) &&
	    __atomic_compare_exchange_n(active, &old, id, false, __ATOMIC_RELAXED,
					__ATOMIC_RELAXED))
		return id_asid(id);
	return asid_switch_slow(mm);
}

u64 arm64_asid_of(const struct mm *mm) { return id_asid(mm_id_read(mm)); }

bool arm64_asid_is_current(const struct mm *mm)
{
	return id_is_current(mm_id_read(mm), generation_read());
}

unsigned arm64_asid_bits(void) { return asid_bits; }
u64 arm64_asid_generation(void) { return generation_read(); }

void arm64_asid_get_stats(struct arm64_asid_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		const struct arm64_asid_stats *s = per_cpu_ptr(&asid_stats, c);
		st->slow_paths += READ_ONCE(s->slow_paths);
		st->allocations += READ_ONCE(s->allocations);
		st->rollovers += READ_ONCE(s->rollovers);
		st->tlb_flushes += READ_ONCE(s->tlb_flushes);
	}
}

/* The width: what TCR_EL1.AS gives (head.S sets it when ID_AA64MMFR0_EL1.ASIDBits says 16),
 * narrowed by mm.asid_bits, but never so far that a rollover, which carries one number per CPU,
 * leaves none to hand out: 2^bits - 1 numbers (0 is TTBR0's empty table's) >= CPUs + 1. */
void __init arm64_asid_init(unsigned nr_cpus)
{
	unsigned mmfr_bits = ((sysreg_read(id_aa64mmfr0_el1) >> 4) & 0xf) == 2 ? 16 : 8;
	unsigned cpu_bits = sysreg_read(tcr_el1) & TCR_AS ? 16 : 8;
	if (cpu_bits != mmfr_bits)
		panic("arm64: ID_AA64MMFR0_EL1 says %u-bit ASIDs but TCR_EL1.AS selects %u",
		      mmfr_bits, cpu_bits);
	unsigned bits = asid_bits_param ? (unsigned)asid_bits_param : cpu_bits, need = 2;
	while ((1u << need) < nr_cpus + 2)
		need++;
	if (bits > cpu_bits) {
		pr_warn("arm64: mm.asid_bits=%u is more than this CPU's %u-bit ASIDs: using %u\n",
			bits, cpu_bits, cpu_bits);
		bits = cpu_bits;
	}
	if (bits < need) {
		pr_warn("arm64: mm.asid_bits=%u leaves %u ASIDs, and a rollover keeps one for each "
			"of the %u CPUs and needs one more: using %u bits\n", bits,
			(1u << bits) - 1, nr_cpus, need);
		bits = need;
	}
	asid_bits = bits;
	asid_generation = 1ull << bits;
	asid_map[0] = 1;   /* ASID 0: TTBR0's empty table, never an address space's */
	pr_info("arm64: ASIDs: %u bits of the CPU's %u, %u for address spaces\n", bits, cpu_bits,
		(1u << bits) - 1);
}
