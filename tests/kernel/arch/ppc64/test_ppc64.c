/* The ppc64 port's own hardware set-up, checked on the machine as the CPU sees it (suite "ppc64",
 * in test=all): every CPU a 64-bit little-endian POWER9 or later with translation on; r13 at its
 * own block and SPRG0 at its own arch area (the direct-map alias the real-mode vector stubs can
 * use), which names this CPU, its firmware id, the kernel's MSR, trap entry and TOC, and its
 * own emergency stack; the timebase counting up and the decrementer down. Timers, IPIs, CPU
 * start-up, preemption and TLB invalidation are the generic suites' (smp, sched, timer, tlb). */
#include "arch/ppc64/ppc64.h"
#include "kernel/ktest.h"
#include "kernel/smp.h"
#include "lib/string.h"

#define SPR_PVR 287
#define KERNEL_MSR_BITS (MSR_SF | MSR_LE | MSR_ME | MSR_IR | MSR_DR | MSR_RI)
/* As the CPU runs: MSR[ME] is the hypervisor's (Book III's MSR description: only mtmsrd, rfid
 * and hrfid in hypervisor state change it), so the port's asking for it in kernel_msr changes
 * nothing. Under QEMU the boot CPU runs without it (as QEMU reset it) and the CPUs RTAS
 * start-cpu started run with it. */
#define RUNNING_MSR_BITS (KERNEL_MSR_BITS & ~MSR_ME)

/* What each CPU reports about its own set-up, from a cross-CPU call. */
static struct cpu_regs {
	u64 r13, sprg0, msr, pvr, toc;
	struct ppc64_cpu area;   /* a copy of the one SPRG0 points at */
	bool irqs_masked_in_call;
} regs[MAX_CPUS];

static void read_regs(void *arg)
{
	(void)arg;
	struct cpu_regs *r = &regs[smp_processor_id()];
	__asm__ __volatile__("mr %0, 13; mr %1, 2" : "=r"(r->r13), "=r"(r->toc));
	r->sprg0 = mfspr(SPR_SPRG0);
	r->msr = ppc64_mfmsr();
	r->pvr = mfspr(SPR_PVR);
	r->area = *(struct ppc64_cpu *)r->sprg0;
	r->irqs_masked_in_call = !arch_irqs_enabled();
}

KTEST(ppc64, every_cpu_alike)
{
	memset(regs, 0, sizeof(regs));
	smp_call_function(cpu_online_mask, read_regs, NULL, true);
	for (unsigned n = 0; n < nr_cpus_online; n++) {
		const struct cpu_regs *r = &regs[n];
		const struct ppc64_cpu *a = &r->area;
		uintptr_t off = percpu_offsets[n];
		KEXPECT_EQ(t, r->r13, (u64)cpu_block(n));
		KEXPECT_EQ(t, r->msr & (RUNNING_MSR_BITS | MSR_PR), RUNNING_MSR_BITS);
		KEXPECT(t, r->irqs_masked_in_call);
		KEXPECT_EQ(t, r->pvr >> 16, regs[0].pvr >> 16);
		/* SPRG0: a direct-map address (usable with translation off too) of this CPU's own
		 * area, the same variable as CPU 0's in its per-CPU copy. */
		KEXPECT(t, r->sprg0 >= DIRECT_MAP_BASE && r->sprg0 < KERNEL_VIRT_BASE);
		KEXPECT_EQ(t, r->sprg0 - off, regs[0].sprg0);
		KEXPECT(t, a->percpu == cpu_block(n));
		KEXPECT_EQ(t, a->cpu, n);
		KEXPECT_EQ(t, a->hwid, cpu_block(n)->hwid);
		KEXPECT_EQ(t, a->kernel_msr & KERNEL_MSR_BITS, KERNEL_MSR_BITS);
		KEXPECT_EQ(t, a->kernel_msr, regs[0].area.kernel_msr);
		KEXPECT_EQ(t, a->entry, regs[0].area.entry);
		KEXPECT_EQ(t, a->toc, r->toc);   /* the TOC the trap entry restores is the kernel's */
		/* Its own emergency stack: a 16-byte aligned top, in its own per-CPU copy. */
		KEXPECT_EQ(t, a->emergency_sp % 16, 0);
		KEXPECT_EQ(t, a->emergency_sp - off, regs[0].area.emergency_sp);
		for (unsigned d = 0; d < n; d++)
			KEXPECT(t, a->hwid != regs[d].area.hwid);
	}
	/* The port needs radix translation: POWER9 (PVR version 0x4e) or later. */
	KEXPECT(t, regs[0].pvr >> 16 >= 0x4e);
	ktest_log(t, "%u CPU(s): PVR %#lx, MSR %#lx, timebase %lu Hz", nr_cpus_online,
		  (unsigned long)regs[0].pvr, (unsigned long)regs[0].msr,
		  (unsigned long)ppc64_tb_freq);
}

/* A decrementer read between two timebase reads no more than `close` apart: false if the CPU
 * kept stalling between them (under TCG the host may deschedule it for any length of time). */
static bool bracketed_dec(u64 close, u64 *before, s64 *dec, u64 *after)
{
	for (int tries = 0; tries < 100; tries++) {
		*before = arch_cycles();
		*dec = (s32)mfspr(SPR_DEC);
		*after = arch_cycles();
		if (*after - *before <= close)
			return true;
	}
	return false;
}

/* The timebase counts up at ppc64_tb_freq and the decrementer down at the same rate (Book II,
 * 5.2; Book III, 9.2). Each decrementer read is bracketed by timebase reads, so over the
 * stretch between them the decrementer must fall by no less than the inner bracket and no more
 * than the outer one. */
KTEST(ppc64, timebase_and_decrementer)
{
	KASSERT(t, ppc64_tb_freq > 0);
	const u64 close = ppc64_tb_freq / 100000;   /* 10 us */
	u64 a, b, c, d;
	s64 dec0, dec1;
	unsigned long flags = arch_irq_save();   /* no decrementer interrupt re-arms it meanwhile */
	bool ok = bracketed_dec(close, &a, &dec0, &b);
	while (ok && arch_cycles() - b < ppc64_tb_freq / 1000)   /* 1 ms */
		arch_cpu_relax();
	ok = ok && bracketed_dec(close, &c, &dec1, &d);
	arch_irq_restore(flags);
	if (!ok) {
		ktest_skip(t, "the timebase reads around a decrementer read were never within 10 us");
		return;
	}
	s64 ddec = dec0 - dec1;
	ktest_log(t, "the decrementer fell by %ld while the timebase rose by %lu to %lu",
		  (long)ddec, (unsigned long)(c - b), (unsigned long)(d - a));
	/* A couple of ticks of slack for where in its tick each counter was read. */
	KEXPECT(t, ddec + 2 >= (s64)(c - b) && ddec <= (s64)(d - a) + 2);
}
