/* x86_64 PCIDs: each CPU's slots and the flush generation that keeps them honest (pcid.h). The
 * slots are per-CPU, touched by their CPU only, with interrupts off; mm->tlb_gen is bumped by
 * any CPU (mm/tlb.c) with atomic updates.
 *
 * The hardware (Intel SDM vol. 3A). With CR4.PCIDE = 1, CR3[11:0] is the current PCID, and the
 * TLB and paging-structure caches tag what they hold with the PCID it was cached under; a CPU
 * uses only the current PCID's entries, and global ones (4.10.1). A MOV to CR3 with bit 63
 * clear removes the entries of the PCID it loads, except global ones; with bit 63 set it need
 * remove nothing (4.10.4.1). INVLPG removes the current PCID's entries for the page and global
 * ones for it in every PCID (4.10.4.1). Kernel mappings are global, and the kernel never
 * unlinks or replaces one of its tables (mm/pgtable.c): so the kernel's translations never go
 * stale in a PCID that is not current, and tlb_flush_kernel_range's INVLPGs remain enough.
 *
 * The slots. PCID 0 is init_mm's (no user half; loaded with a flush, which removes nothing of
 * the kernel's global entries). PCIDs 1..PCID_SLOTS are slots, each remembering the mm it last
 * held, by id, and that mm's tlb_gen when this CPU last flushed the PCID for it. Loading an mm
 * takes its slot if it has one, else the least recently used (flushing the slot's entries of
 * the mm it held). The load keeps the PCID's entries (bit 63) only if the slot holds this mm
 * and has seen its current generation; anything else flushes the PCID.
 *
 * The generation. A slot that records generation g has been flushed for its mm after the
 * entries of every shootdown up to g were cleared (a load that read g flushed, or found g
 * recorded by a load that did). The ordering that makes it so:
 *
 *   loading mm (mm_switch, arch_mmu_switch)     shootdown of mm (mm/tlb.c)
 *   ---------------------------------------     --------------------------
 *   set this CPU's bit in mm->cpumask (seq_cst) clear the entries
 *   g = mm->tlb_gen                             mm->tlb_gen++ (seq_cst); full barrier
 *   load CR3, flushing unless the slot saw g    read mm->cpumask; IPI those CPUs
 *
 * Each side stores, then loads, with a full barrier between, so at least one sees the other's
 * store. If the shootdown misses the bit, the loader reads the new generation: its slot has an
 * older one, so the load flushes, after the entries were cleared (they were, before the bump
 * it read). If the loader read the old generation, the shootdown sees the bit and its IPI
 * reaches this CPU (its interrupts are off until the load is done). If the mm is still loaded
 * there, the handler flushes the current PCID. If the CPU has switched away since, the handler
 * has nothing to do: the slot records either the old generation, and the next load of the mm
 * flushes, or a newer one, read by a later load that flushed after the entries were cleared.
 * So a CPU that holds the mm in a slot without having it loaded needs no IPI (mm->cpumask
 * names only the CPUs that have it loaded): it flushes when it loads the mm again, unless its
 * slot has seen the shootdown already.
 *
 * A freed mm. Slots on any CPU may still name it, and slab may hand its address to a new mm.
 * Slots therefore name an mm by a 64-bit id given at creation and never reused: no new mm
 * matches a stale slot, whose PCID is flushed when it is given to one; its dead entries are
 * never used meanwhile, as the PCID is not current. */
#include "arch/x86_64/pcid.h"
#include "arch/x86_64/x86.h"
#include "mm/mm.h"
#include "kernel/panic.h"
#include "kernel/param.h"
#include "kernel/printk.h"

bool x86_pcid_wanted = true;
PARAM_BOOL("mm.pcid", x86_pcid_wanted,
	   "x86_64: use PCIDs where the CPU has them; 0 flushes at every address-space switch");
static bool pcid_model;
PARAM_BOOL("debug.pcid_model", pcid_model,
	   "x86_64 without PCIDs (QEMU's TCG): keep the PCID slots anyway, every switch still "
	   "flushing, so that the tests check their bookkeeping");

enum pcid_mode x86_pcid_mode = PCID_OFF;
static DEFINE_PER_CPU(struct pcid_cpu, pcid_cpu);
static u64 last_mm_id;   /* 0 names no mm: init_mm's, and an empty slot's */

bool pcid_choose(struct pcid_cpu *pc, u64 id, u64 gen, unsigned *slot)
{
	unsigned i, victim = 0;
	for (i = 0; i < PCID_SLOTS; i++) {
		if (pc->slot[i].mm_id == id)
			break;
		if (pc->slot[i].last_used < pc->slot[victim].last_used)
			victim = i;
	}
	struct pcid_slot *s;
	bool flush;
	if (i < PCID_SLOTS) {
		s = &pc->slot[i];
		flush = s->gen != gen;
	} else {
		i = victim;
		s = &pc->slot[i];
		if (s->mm_id)
			pc->stats.evictions++;
		s->mm_id = id;
		flush = true;
	}
	s->gen = gen;
	s->last_used = ++pc->clock;
	if (flush)
		pc->stats.flushing++;
	else
		pc->stats.keeping++;
	*slot = i;
	return flush;
}

u64 x86_pcid_cr3(struct mm *mm)
{
	/* init_mm first: a starting CPU loads it before it can reach its per-CPU data. */
	if (mm == &init_mm || x86_pcid_mode == PCID_OFF)
		return mm->pgd;
	/* mm_switch set this CPU's bit in mm->cpumask (seq_cst) before calling us: the read of
	 * the generation comes after it (the ordering at the top). */
	u64 gen = __atomic_load_n(&mm->tlb_gen, __ATOMIC_SEQ_CST);
	unsigned slot;
	bool flush = pcid_choose(this_cpu_ptr(&pcid_cpu), mm->context.id, gen, &slot);
	if (x86_pcid_mode == PCID_MODEL)
		return mm->pgd;   /* CR4.PCIDE is clear: the load flushes whatever was chosen */
	return mm->pgd | (slot + 1) | (flush ? 0 : X86_CR3_NOFLUSH);
}

void x86_pcid_mm_init(struct mm *mm)
{
	mm->context.id = __atomic_add_fetch(&last_mm_id, 1, __ATOMIC_RELAXED);
}

/* CR4.PCIDE may be set only in IA-32e mode, with CR3[11:0] = 0, on a CPU whose
 * CPUID.01H:ECX.PCID[bit 17] is 1; otherwise the MOV to CR4 faults (#GP) (SDM vol. 3A, 4.10.1).
 * Every CPU sets it with init_mm loaded: CR3 is kernel_pt_root, page-aligned, PCID 0. Until
 * then it has cached nothing for any other PCID (4.10.1: with CR4.PCIDE = 0 only PCID 0). */
static void pcid_enable_here(void)
{
	BUG_ON(x86_read_cr3() & X86_CR3_PCID);
	x86_write_cr4(x86_read_cr4() | X86_CR4_PCIDE);
}

void __init x86_pcid_init_boot(void)
{
	if (x86_has_pcid && x86_pcid_wanted)
		x86_pcid_mode = PCID_ON;
	else if (x86_pcid_wanted && pcid_model)
		x86_pcid_mode = PCID_MODEL;
	const char *why = x86_pcid_wanted ? "the CPU has none" : "mm.pcid=0";
	if (x86_pcid_mode == PCID_ON)
		pr_info("x86: PCIDs on, %u slots per CPU\n", PCID_SLOTS);
	else if (x86_pcid_mode == PCID_MODEL)
		pr_info("x86: PCIDs off (%s); %u slots per CPU kept in software "
			"(debug.pcid_model)\n", why, PCID_SLOTS);
	else
		pr_info("x86: PCIDs off (%s): every address-space switch flushes\n", why);
	if (x86_pcid_mode == PCID_ON)
		pcid_enable_here();
}

void __init x86_pcid_init_cpu(void)
{
	if (x86_pcid_mode != PCID_ON)
		return;
	if (!x86_has_pcid)
		panic("x86: CPU %u has no PCIDs, but the boot CPU has and uses them",
		      smp_processor_id());
	pcid_enable_here();
}

void x86_pcid_get_stats(unsigned cpu, struct pcid_stats *st)
{
	const struct pcid_stats *s = &per_cpu_ptr(&pcid_cpu, cpu)->stats;
	st->flushing = READ_ONCE(s->flushing);
	st->keeping = READ_ONCE(s->keeping);
	st->evictions = READ_ONCE(s->evictions);
}
