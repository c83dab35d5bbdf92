/* The arm64 port's own hardware paths, checked on the machine (suite "arm64", in test=all):
 * descriptor encoding; arch_context_switch keeping every callee-saved register; every CPU's
 * translation regime, vectors and per-CPU register set up alike; TTBR0 address spaces with
 * ASIDs (test_asid.c: the allocator under rollovers). Timers, IPIs, CPU start-up, preemption
 * and broadcast TLB invalidation are the generic suites' (smp, sched, timer, tlb), which run on
 * arm64 unchanged. */
#include "arch/arm64/arm64.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/smp.h"
#include "lib/string.h"
#include "mm/kernel_map.h"
#include "mm/mm.h"
#include "mm/page.h"
#include "mm/pgtable.h"
#include "mm/vmap.h"


/* ---- Descriptors ---- */

KTEST(arm64, pte_encoding)
{
	static const unsigned prots[] = {
		MMU_READ, MMU_READ | MMU_WRITE, MMU_READ | MMU_EXEC, MMU_READ | MMU_USER,
		MMU_READ | MMU_WRITE | MMU_USER, MMU_READ | MMU_EXEC | MMU_USER,
		MMU_READ | MMU_GLOBAL, MMU_READ | MMU_WRITE | MMU_GLOBAL,
		MMU_READ | MMU_EXEC | MMU_GLOBAL,
		MMU_READ | MMU_WRITE | MMU_DEVICE | MMU_GLOBAL,
	};
	for (int level = 0; level <= 2; level++) {
		phys_addr_t pa = 0x123456789000ull & ~(pt_level_size(level) - 1);
		for (unsigned i = 0; i < ARRAY_SIZE(prots); i++) {
			pte_t e = pte_mk_leaf(pa, prots[i], level);
			KEXPECT(t, pte_present(e));
			KEXPECT(t, !pte_is_table(e, level));
			KEXPECT_EQ(t, pte_addr(e, level), pa);
			KEXPECT_EQ(t, pte_prot(e, level), prots[i]);
			/* Level 0 holds pages (type 1), the others blocks (type 0). */
			KEXPECT_EQ(t, (e >> 1) & 1, level == 0);
		}
		KEXPECT(t, !pte_present(0));
	}
	for (int level = 1; level < PT_LEVELS; level++)
		KEXPECT(t, pte_is_table(pte_mk_table(0x40001000), level));
	KEXPECT_EQ(t, pte_addr(pte_mk_table(0x40001000), 2), 0x40001000);
	/* The bits themselves: kernel data is AP 00, never executable at either level, global. */
	pte_t k = pte_mk_leaf(0x40000000, MMU_READ | MMU_WRITE | MMU_GLOBAL, 0);
	KEXPECT_EQ(t, k & (ARM64_PTE_RDONLY | ARM64_PTE_USER | ARM64_PTE_NG), 0);
	KEXPECT_EQ(t, k & (ARM64_PTE_PXN | ARM64_PTE_UXN), ARM64_PTE_PXN | ARM64_PTE_UXN);
	KEXPECT_EQ(t, k & ARM64_PTE_AF, ARM64_PTE_AF);
	/* User code: EL0 read-only, executable at EL0 only, tagged with the ASID. */
	pte_t u = pte_mk_leaf(0x40000000, MMU_READ | MMU_EXEC | MMU_USER, 0);
	const pte_t bits = ARM64_PTE_RDONLY | ARM64_PTE_USER | ARM64_PTE_NG | ARM64_PTE_PXN |
			   ARM64_PTE_UXN;
	KEXPECT_EQ(t, u & bits, bits & ~ARM64_PTE_UXN);
	pte_t d = pte_mk_leaf(0x09000000, MMU_READ | MMU_WRITE | MMU_DEVICE | MMU_GLOBAL, 0);
	KEXPECT_EQ(t, d & ARM64_PTE_ATTR_MASK, ARM64_PTE_ATTR(MAIR_IDX_DEVICE));
}

/* ---- Context switches ---- */

/* u64 switch_keeps_regs(void **save_sp, void *next_sp, u64 salt): arch_context_switch with
 * x19..x28 set to (n << 4) + salt; returns a mask of those that came back changed (bit 0: x19).
 * Both sides of the switch use it, with different salts, so a register the switch fails to
 * restore shows the other side's value. */
u64 switch_keeps_regs(void **save_sp, void *next_sp, u64 salt);
__asm__(".text\n"
	"switch_keeps_regs:\n"
	"	stp	x29, x30, [sp, #-112]!\n"
	"	mov	x29, sp\n"
	"	str	x2, [sp, #96]\n"
	"	stp	x19, x20, [sp, #16]\n"
	"	stp	x21, x22, [sp, #32]\n"
	"	stp	x23, x24, [sp, #48]\n"
	"	stp	x25, x26, [sp, #64]\n"
	"	stp	x27, x28, [sp, #80]\n"
	"	.irp r, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28\n"
	"	add	x\\r, x2, #(\\r << 4)\n"
	"	.endr\n"
	"	bl	arch_context_switch\n"
	"	ldr	x2, [sp, #96]\n"
	"	mov	x0, #0\n"
	"	.irp r, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28\n"
	"	sub	x1, x\\r, #(\\r << 4)\n"
	"	cmp	x1, x2\n"
	"	cset	x1, ne\n"
	"	orr	x0, x0, x1, lsl #(\\r - 19)\n"
	"	.endr\n"
	"	ldp	x19, x20, [sp, #16]\n"
	"	ldp	x21, x22, [sp, #32]\n"
	"	ldp	x23, x24, [sp, #48]\n"
	"	ldp	x25, x26, [sp, #64]\n"
	"	ldp	x27, x28, [sp, #80]\n"
	"	ldp	x29, x30, [sp], #112\n"
	"	ret\n");

static void *main_sp, *thread_sp;
static volatile u64 thread_steps, thread_bad_regs;

static __noreturn void ping_thread(void *arg)
{
	u64 mine = (u64)arg;
	arch_context_switch(&thread_sp, main_sp);
	for (;;) {
		thread_steps += mine;
		thread_bad_regs |= switch_keeps_regs(&thread_sp, main_sp, 0x5a);
	}
}

/* Raw switches between this thread's stack and a bare one, which the scheduler knows nothing
 * about: with interrupts off, so no tick switches threads in between. */
KTEST(arm64, context_switch)
{
	u8 *stack = kstack_alloc();
	KASSERT(t, stack != NULL);
	unsigned long flags = arch_irq_save();
	thread_steps = thread_bad_regs = 0;
	thread_sp = arch_thread_stack_init(stack + KSTACK_SIZE, ping_thread, (void *)7);
	arch_context_switch(&main_sp, thread_sp);   /* its first run: it switches straight back */
	/* Values live across the switch sit in callee-saved registers: they must come back. */
	u64 a = 0x1111, b = 0x2222, c = 0x3333, d = 0x4444, e = 0x5555, g = 0x6666;
	for (int i = 1; i <= 1000; i++) {
		arch_context_switch(&main_sp, thread_sp);
		if (thread_steps != 7ull * (u64)i) {
			ktest_fail(t, __FILE__, __LINE__, "switch %d: thread at %lu", i,
				   (unsigned long)thread_steps);
			break;
		}
		a += 1, b += 2, c += 3, d += 4, e += 5, g += 6;
	}
	KEXPECT_EQ(t, a + b + c + d + e + g,
		   0x1111 + 0x2222 + 0x3333 + 0x4444 + 0x5555 + 0x6666 + 21000);
	/* Every callee-saved register, by name, on both sides. */
	KEXPECT_EQ(t, switch_keeps_regs(&main_sp, thread_sp, 0xa5), 0);
	KEXPECT_EQ(t, switch_keeps_regs(&main_sp, thread_sp, 0xa5), 0);
	KEXPECT_EQ(t, thread_bad_regs, 0);
	KEXPECT_EQ(t, thread_steps, 7 * 1002);
	arch_irq_restore(flags);
	kstack_free(stack);   /* the thread is parked in arch_context_switch, never resumed */
}

/* ---- Every CPU ---- */

/* What each CPU reports about its own set-up, from a cross-CPU call. */
static struct cpu_regs {
	u64 tpidr, mpidr, ttbr0, ttbr1, tcr, mair, sctlr, vbar, cpacr;
	bool irqs_masked_in_call;
} regs[MAX_CPUS];

static void read_regs(void *arg)
{
	(void)arg;
	struct cpu_regs *r = &regs[smp_processor_id()];
	r->tpidr = sysreg_read(tpidr_el1);
	r->mpidr = arm64_mpidr();
	r->ttbr0 = sysreg_read(ttbr0_el1);
	r->ttbr1 = sysreg_read(ttbr1_el1);
	r->tcr = sysreg_read(tcr_el1);
	r->mair = sysreg_read(mair_el1);
	r->sctlr = sysreg_read(sctlr_el1);
	r->vbar = sysreg_read(vbar_el1);
	r->cpacr = sysreg_read(cpacr_el1);
	r->irqs_masked_in_call = !arch_irqs_enabled();
}

KTEST(arm64, every_cpu_alike)
{
	extern char arm64_vectors[];
	memset(regs, 0, sizeof(regs));
	smp_call_function(cpu_online_mask, read_regs, NULL, true);
	for (unsigned c = 0; c < nr_cpus_online; c++) {
		const struct cpu_regs *r = &regs[c];
		KEXPECT_EQ(t, r->tpidr, (u64)cpu_block(c));
		KEXPECT_EQ(t, r->mpidr, cpu_block(c)->hwid);
		KEXPECT_EQ(t, r->ttbr1 & ARM64_PTE_ADDR, kernel_pt_root);
		KEXPECT_EQ(t, r->ttbr0, arm64_reserved_ttbr0);   /* no user space: ASID 0, empty */
		KEXPECT_EQ(t, r->vbar, (u64)arm64_vectors);
		KEXPECT_EQ(t, r->cpacr, 3ul << 20);              /* FPEN: FP/SIMD for EL0 */
		KEXPECT_EQ(t, r->tcr, regs[0].tcr);
		KEXPECT_EQ(t, r->mair, regs[0].mair);
		KEXPECT_EQ(t, r->sctlr, regs[0].sctlr);
		KEXPECT(t, r->irqs_masked_in_call);
		for (unsigned d = 0; d < c; d++)
			KEXPECT(t, r->mpidr != regs[d].mpidr);
	}
	KEXPECT_EQ(t, regs[0].sctlr & 0x5, 0x5);   /* MMU and data caches on */
	ktest_log(t, "%u CPU(s): TCR %#lx, MAIR %#lx, SCTLR %#lx", nr_cpus_online,
		  (unsigned long)regs[0].tcr, (unsigned long)regs[0].mair,
		  (unsigned long)regs[0].sctlr);
}

/* ---- TTBR0 address spaces ---- */

/* What TTBR0 holds for an address space: its root, tagged with its ASID, which differs from the
 * other's; for init_mm the empty table with ASID 0. (tests/kernel/test_uspace.c checks what the
 * CPUs see through them; test_asid.c the ASIDs under rollovers.) */
KTEST(arm64, ttbr0_per_address_space)
{
	struct mm *a = mm_create(), *b = mm_create();
	KASSERT(t, a && b);
	unsigned long flags = arch_irq_save();   /* this thread has no mm: stay put meanwhile */
	mm_switch(a);
	u64 ta = sysreg_read(ttbr0_el1);
	mm_switch(b);
	u64 tb = sysreg_read(ttbr0_el1);
	mm_switch(&init_mm);
	u64 t0 = sysreg_read(ttbr0_el1);
	arch_irq_restore(flags);
	KEXPECT_EQ(t, ta & ARM64_PTE_ADDR, a->pgd);
	KEXPECT_EQ(t, ta >> 48, arm64_asid_of(a));
	KEXPECT_EQ(t, tb & ARM64_PTE_ADDR, b->pgd);
	KEXPECT_EQ(t, tb >> 48, arm64_asid_of(b));
	KEXPECT(t, ta >> 48 != 0);
	KEXPECT(t, ta >> 48 != tb >> 48);   /* a's number was this CPU's, so a rollover kept it */
	KEXPECT_EQ(t, t0, arm64_reserved_ttbr0);
	mm_put(a);
	mm_put(b);
}
