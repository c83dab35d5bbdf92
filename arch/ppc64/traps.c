/* ppc64 trap dispatch: decode what the CPU reports and hand it to generic code. Storage
 * interrupts go to fault_entry(); a system call from problem state to syscall_entry(); an
 * exception from problem state that nothing handled kills the process (user_fatal_trap); one
 * from the kernel tries an exception fixup, then panics with the frame. Runs on the interrupted
 * CPU with interrupts off; no shared state. */
#include "arch/ppc64/ppc64.h"
#include "kernel/panic.h"
#include "kernel/printk.h"

/* DSISR for a data storage interrupt (Book III, 7.5.3); the same bits of SRR1 for an
 * instruction storage interrupt (7.5.5), IBM bit numbers in brackets:
 *   0x40000000 [33] no translation          0x08000000 [36] protection (or no-execute)
 *   0x02000000 [38] the access was a store  0x00080000 [44] bad radix configuration
 *   0x00040000 [45] R/C bits need updating  0x10000000 [35] guarded / no-execute (ISI) */
#define DSISR_NOPTE     0x40000000u
#define DSISR_PROTFAULT 0x08000000u
#define DSISR_STORE     0x02000000u
#define DSISR_BADCONFIG 0x00080000u
#define SRR1_ISI_NOEXEC 0x10000000u

/* SRR1 for a program interrupt (7.5.9): which condition. */
#define SRR1_PROG_FPE   0x00100000u   /* [43] */
#define SRR1_PROG_ILL   0x00080000u   /* [44] */
#define SRR1_PROG_PRIV  0x00040000u   /* [45] */
#define SRR1_PROG_TRAP  0x00020000u   /* [46] */

static const char *vector_name(u64 v)
{
	switch (v) {
	case VEC_SYSTEM_RESET:  return "system reset";
	case VEC_MACHINE_CHECK: return "machine check";
	case VEC_DSI:           return "data storage";
	case VEC_DSEG:          return "data segment";
	case VEC_ISI:           return "instruction storage";
	case VEC_ISEG:          return "instruction segment";
	case VEC_EXTERNAL:      return "external";
	case VEC_ALIGNMENT:     return "alignment";
	case VEC_PROGRAM:       return "program";
	case VEC_FP_UNAVAIL:    return "FP unavailable";
	case VEC_DECREMENTER:   return "decrementer";
	case VEC_DOORBELL:      return "doorbell";
	case VEC_SYSCALL:       return "system call";
	case VEC_TRACE:         return "trace";
	case VEC_PERF:          return "performance monitor";
	case VEC_VMX_UNAVAIL:   return "VMX unavailable";
	case VEC_VSX_UNAVAIL:   return "VSX unavailable";
	case VEC_FAC_UNAVAIL:   return "facility unavailable";
	default:                return "unknown";
	}
}

void arch_trap_dump(const struct trap_frame *f)
{
	printk_raw("SRR0: %016lx SRR1: %016lx vector %#lx (%s)\n", f->nip, f->msr, f->vector,
		   vector_name(f->vector));
	printk_raw("LR:   %016lx CTR:  %016lx CR: %08lx XER: %08lx\n", f->lr, f->ctr,
		   f->cr & 0xffffffff, f->xer & 0xffffffff);
	printk_raw("DAR:  %016lx DSISR: %08lx MSR:%s%s%s%s%s%s\n", f->dar, f->dsisr & 0xffffffff,
		   f->msr & MSR_SF ? " SF" : "", f->msr & MSR_PR ? " PR" : "",
		   f->msr & MSR_EE ? " EE" : "", f->msr & MSR_IR ? " IR" : "",
		   f->msr & MSR_DR ? " DR" : "", f->msr & MSR_LE ? " LE" : "");
	for (int r = 0; r < 32; r += 4)
		printk_raw("R%-2d: %016lx R%-2d: %016lx R%-2d: %016lx R%-2d: %016lx\n",
			   r, f->gpr[r], r + 1, f->gpr[r + 1], r + 2, f->gpr[r + 2],
			   r + 3, f->gpr[r + 3]);
}

/* Data and instruction storage interrupts, and the segment interrupts radix raises for addresses
 * outside any quadrant it translates. */
static void storage_fault(struct trap_frame *f)
{
	bool insn = f->vector == VEC_ISI || f->vector == VEC_ISEG;
	bool segment = f->vector == VEC_DSEG || f->vector == VEC_ISEG;
	u64 cause = insn ? f->msr : f->dsisr;
	struct fault_info fi = {
		.addr = insn ? f->nip : f->dar,
		.ip = f->nip,
		.access = insn ? FAULT_EXEC : cause & DSISR_STORE ? FAULT_WRITE : FAULT_READ,
	};
	if (f->msr & MSR_PR)
		fi.access |= FAULT_USER;
	if (!segment && !(cause & (DSISR_NOPTE | DSISR_BADCONFIG)))
		fi.access |= FAULT_PRESENT;
	if (fault_entry(&fi, f) == 0)
		return;
	if (arch_frame_from_user(f))
		user_fatal_trap(f, USER_SIGSEGV, fi.access & FAULT_EXEC ? "exec" :
				fi.access & FAULT_WRITE ? "write" : "read", fi.addr);
	if (extable_fixup(f))
		return;
	panic_trap(f, "unhandled page fault: %s %s at %#lx (%s)%s",
		   fi.access & FAULT_USER ? "user" : "kernel",
		   fi.access & FAULT_EXEC ? "exec" : fi.access & FAULT_WRITE ? "write" : "read",
		   fi.addr, fi.access & FAULT_PRESENT ? "protection" : "not present",
		   kstack_guard_hint(fi.addr));
}

static const char *program_reason(u64 srr1)
{
	if (srr1 & SRR1_PROG_TRAP) return "trap instruction";
	if (srr1 & SRR1_PROG_PRIV) return "privileged instruction";
	if (srr1 & SRR1_PROG_ILL)  return "illegal instruction";
	if (srr1 & SRR1_PROG_FPE)  return "floating-point exception";
	return "unknown cause";
}

/* The signal Linux sends for a program interrupt in problem state (arch/powerpc's
 * program_check_exception): SIGTRAP for a trap, SIGFPE for an enabled FP exception, SIGILL for
 * an illegal or privileged instruction. */
static int program_signal(u64 srr1)
{
	if (srr1 & SRR1_PROG_TRAP) return USER_SIGTRAP;
	if (srr1 & SRR1_PROG_FPE)  return USER_SIGFPE;
	return USER_SIGILL;
}

static void ppc64_trap_kernel(struct trap_frame *f);

/* Every interrupt; interrupts off, and off again when this returns to entry.S. From problem
 * state, the return to user mode first does what is pending (user_return_work); a system call's
 * syscall_entry does it itself. */
void ppc64_trap(struct trap_frame *f)
{
	if (!arch_frame_from_user(f)) {
		ppc64_trap_kernel(f);
		return;
	}
	if (f->vector == VEC_SYSCALL) {   /* `sc`: SRR0 is already the next instruction */
		syscall_entry(f);
		return;
	}
	ppc64_trap_kernel(f);
	arch_irq_disable();
	user_return_work(f);
}

static void ppc64_trap_kernel(struct trap_frame *f)
{
	switch (f->vector) {
	case VEC_DSI:
	case VEC_DSEG:
	case VEC_ISI:
	case VEC_ISEG:
		storage_fault(f);
		return;
	case VEC_DECREMENTER:
		ppc64_timer_interrupt(f);
		return;
	case VEC_EXTERNAL:
		ppc64_external_interrupt(f);
		return;
	case VEC_SYSTEM_RESET:
		ppc64_system_reset(f);
		return;
	case VEC_PROGRAM:
		/* From problem state: an illegal or privileged instruction, a trap (tw, td: abort),
		 * an enabled FP exception. POWER9's hypervisor emulation assistance (0xe40) for an
		 * illegal instruction reaches a pseries guest as this too: the hypervisor owns the
		 * HV vectors. */
		if (arch_frame_from_user(f))
			user_fatal_trap(f, program_signal(f->msr), program_reason(f->msr), 0);
		if (extable_fixup(f))
			return;
		panic_trap(f, "program interrupt: %s at %#lx", program_reason(f->msr), f->nip);
	default:
		if (arch_frame_from_user(f))
			user_fatal_trap(f, USER_SIGSEGV, vector_name(f->vector), 0);
		if (extable_fixup(f))
			return;
		panic_trap(f, "unhandled exception %#lx (%s)", f->vector, vector_name(f->vector));
	}
}
