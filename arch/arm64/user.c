/* arm64 user mode: EL0 AArch64, SVC #0 with Linux's convention (entry and exit in entry.S), a
 * user thread's FP/SIMD registers (fpsimd.S) and TPIDR_EL0, and PAN where the CPU has it.
 * docs/user.md walks through it. Per-CPU registers only; a thread's state is touched by the
 * thread itself or, with interrupts off, by the scheduler switching it. */
#include "arch/arm64/arm64.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/sched/thread.h"
#include "lib/string.h"
#include "mm/vmap.h"

STATIC_ASSERT(sizeof(struct trap_frame) == 304, "entry.S's FRAME_SIZE");
STATIC_ASSERT(PERCPU_CURRENT_OFFSET == 8, "entry.S loads x18 at TPIDR_EL1 + 8 on entry from EL0");
STATIC_ASSERT(offsetof(struct arch_thread_state, fpcr) == 512 &&
	      offsetof(struct arch_thread_state, fpsr) == 520, "fpsimd.S's TS_FPCR, TS_FPSR");

/* CPACR_EL1.FPEN (bits 21:20) 0b11: FP/SIMD does not trap at EL0 or EL1. No encoding lets EL0
 * use them and traps EL1 (ARM ARM, CPACR_EL1), so the kernel's abstinence rests on
 * -mgeneral-regs-only alone; fpsimd.S is the only kernel code that touches them. */
#define CPACR_FPEN_ALL   (3ul << 20)
/* SCTLR_EL1 (ARM ARM, SCTLR_EL1): SPAN (bit 23) 0 makes every exception taken to EL1 set
 * PSTATE.PAN; UCT (15) lets EL0 read CTR_EL0, DZE (14) lets it use DC ZVA, as under Linux
 * (libgcc's __clear_cache and libcs' memset do). */
#define SCTLR_SPAN       (1ul << 23)
#define SCTLR_UCI        (1ul << 26)
#define SCTLR_NTWE       (1ul << 18)
#define SCTLR_UCT        (1ul << 15)
#define SCTLR_DZE        (1ul << 14)
/* ID_AA64MMFR1_EL1.PAN, bits 23:20: nonzero with FEAT_PAN (ARMv8.1). */
#define MMFR1_PAN(r)     (((r) >> 20) & 0xf)
/* MSR PAN, #imm (op1 0, op2 4, CRm the value) as a word, for an ARMv8.0 assembler. */
#define MSR_PAN_1        ".inst 0xd500419f"

/* Read by entry.S's uaccess macros: set once by the boot CPU before the others start, the same
 * on all of them (QEMU's CPUs of one machine are alike; arm64.every_cpu_alike checks SCTLR). */
bool arm64_pan_on;

void arm64_fpsimd_save(struct arch_thread_state *s);
void arm64_fpsimd_restore(const struct arch_thread_state *s);

/* Every CPU, from arch_platform_init and arm64_secondary_start, before any user thread runs
 * there. */
void arm64_user_cpu_init(bool boot)
{
	if (boot)
		arm64_pan_on = MMFR1_PAN(sysreg_read(id_aa64mmfr1_el1)) != 0;
	sysreg_write(cpacr_el1, sysreg_read(cpacr_el1) | CPACR_FPEN_ALL);
	/* UCI: EL0 may clean and invalidate caches by VA (DC CVAU, IC IVAU: libgcc's
	 * __clear_cache, JITs); nTWE: WFE at EL0 does not trap; WFI still does (and kills). */
	u64 sctlr = sysreg_read(sctlr_el1) | SCTLR_UCT | SCTLR_DZE | SCTLR_UCI | SCTLR_NTWE;
	/* CNTKCTL_EL1 and PMUSERENR_EL0 reset to UNKNOWN values: EL0 may read the virtual count
	 * (EL0VCTEN, bit 1), and nothing else of the timers (the kernel's tick is CNTV) or the
	 * performance monitors. */
	sysreg_write(cntkctl_el1, 1ul << 1);
	sysreg_write(pmuserenr_el0, 0);
	if (arm64_pan_on)
		sctlr &= ~SCTLR_SPAN;
	sysreg_write(sctlr_el1, sctlr);
	/* A system-register write is in force for the instructions after a context
	 * synchronisation event (ARM ARM, "Synchronization requirements for AArch64 System
	 * registers"): the ISB. */
	isb();
	/* This CPU's PSTATE.PAN from now on; exceptions set it again (SPAN 0) and the kernel
	 * clears it only inside the uaccess windows (entry.S). MSR to PSTATE needs no ISB: later
	 * instructions see it (ARM ARM, MSR (immediate)). */
	if (arm64_pan_on)
		__asm__ __volatile__(MSR_PAN_1 ::: "memory");
	/* TPIDRRO_EL0 is readable at EL0 and the kernel never sets it: nothing of a previous
	 * user, or of the boot, may show there. */
	sysreg_write(tpidrro_el0, 0);
	if (boot)
		pr_info("arm64: user mode: EL0 AArch64 and SVC, PXN on user pages, PAN %s\n",
			arm64_pan_on ? "on" : "off (CPU lacks it: FEAT_PAN is ARMv8.1)");
}

/* EL0t, DAIF clear (interrupts on), NZCV 0; every register 0. */
void arch_user_frame_init(struct trap_frame *f, uintptr_t pc, uintptr_t sp)
{
	memset(f, 0, sizeof(*f));
	f->elr = pc;
	f->sp = sp;
	f->spsr = PSR_MODE_EL0T;
}

/* TPIDR_EL0 holds any 64-bit value. */
int arch_thread_set_tls(struct thread *t, struct trap_frame *f, uintptr_t tls)
{
	(void)f;
	unsigned long flags = arch_irq_save();   /* not switched out between the two */
	t->arch.tpidr_el0 = tls;
	if (t == current_thread())
		sysreg_write(tpidr_el0, tls);
	arch_irq_restore(flags);
	return 0;
}

/* A new thread starts with V0-V31 zero and FPCR 0 (round to nearest, no traps, no flush to
 * zero: Linux's initial value), FPSR 0; a clone with the parent's registers as they are now. */
void arch_thread_copy_user_state(struct thread *child)
{
	struct thread *me = current_thread();
	if (!me->user) {
		memset(&child->arch, 0, sizeof(child->arch));
		return;
	}
	unsigned long flags = arch_irq_save();   /* not switched out halfway */
	arm64_fpsimd_save(&me->arch);
	me->arch.tpidr_el0 = sysreg_read(tpidr_el0);
	arch_irq_restore(flags);
	memcpy(&child->arch, &me->arch, sizeof(child->arch));
}

/* A user thread's FP/SIMD registers and TPIDR_EL0 stay live on the CPU until it is switched
 * out; a kernel thread never touches them, so switching to one leaves them in place. Eager: a
 * save and a load per switch between user threads, no trap on first use. TPIDR_EL0 is saved
 * too, since EL0 writes it without the kernel. Nothing to do for the kernel stack: SP_EL1 is the
 * top of the thread's own stack whenever it is at EL0 (entry.S). */
void arch_user_switch(struct thread *prev, struct thread *next)
{
	if (prev->user) {
		arm64_fpsimd_save(&prev->arch);
		prev->arch.tpidr_el0 = sysreg_read(tpidr_el0);
	}
	if (!next->user)
		return;
	arm64_fpsimd_restore(&next->arch);
	sysreg_write(tpidr_el0, next->arch.tpidr_el0);
}

/* Data cache to the point of unification, then the instruction cache invalidated there, each
 * completed by a DSB, and an ISB for this CPU's own pipeline (ARM ARM, "Instruction cache
 * maintenance" / "Concurrent modification and execution of instructions"); the IS forms reach
 * every CPU of the inner-shareable domain. Line sizes from CTR_EL0 (DminLine, IminLine: log2 of
 * words). PAN is lifted as for a copy: the lines are user memory. */
#define MSR_PAN_0        ".inst 0xd500409f"

void arch_sync_icache_user(uintptr_t start, size_t len)
{
	u64 ctr = sysreg_read(ctr_el0);
	uintptr_t dline = 4ul << ((ctr >> 16) & 0xf), iline = 4ul << (ctr & 0xf);
	uintptr_t end = start + len;
	if (arm64_pan_on)
		__asm__ __volatile__(MSR_PAN_0 ::: "memory");
	for (uintptr_t a = start & ~(dline - 1); a < end; a += dline)
		__asm__ __volatile__("dc cvau, %0" :: "r"(a) : "memory");
	__asm__ __volatile__("dsb ish" ::: "memory");
	for (uintptr_t a = start & ~(iline - 1); a < end; a += iline)
		__asm__ __volatile__("ic ivau, %0" :: "r"(a) : "memory");
	__asm__ __volatile__("dsb ish\n\tisb" ::: "memory");
	if (arm64_pan_on)
		__asm__ __volatile__(MSR_PAN_1 ::: "memory");
}
