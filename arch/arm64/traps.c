/* arm64 exception dispatch: decode what ESR_EL1 and FAR_EL1 report and hand it to generic code.
 * Translation, access-flag and permission faults go to fault_entry(); anything not handled tries
 * an exception fixup, then panics with the decoded frame. Interrupts go through the GIC's
 * acknowledge register to the handler registered for the INTID (gic.c). From EL0, a system call
 * goes to syscall_entry(), and a fault or exception nothing handles kills the process
 * (user_fatal_trap); the return to EL0 first does what is pending (user_return_work). */
#include "arch/arm64/arm64.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/sched/thread.h"
#include "lib/printf.h"
#include "mm/vmap.h"

/* ESR_EL1 (ARM ARM D17.2.37): EC in bits 31:26, IL bit 25, ISS bits 24:0. */
#define ESR_EC(esr)   (((esr) >> 26) & 0x3f)
#define ESR_ISS(esr)  ((esr) & 0x1ffffff)

enum {
	EC_UNKNOWN = 0x00, EC_WFX = 0x01, EC_FP = 0x07, EC_ILLEGAL = 0x0e, EC_SVC64 = 0x15,
	EC_HVC64 = 0x16, EC_SMC64 = 0x17, EC_SYSREG = 0x18, EC_SVE = 0x19, EC_PAC = 0x1c,
	EC_IABT_LOW = 0x20, EC_IABT_CUR = 0x21, EC_PC_ALIGN = 0x22, EC_DABT_LOW = 0x24,
	EC_DABT_CUR = 0x25, EC_SP_ALIGN = 0x26, EC_FP_EXC = 0x2c, EC_SERROR = 0x2f,
	EC_BKPT_LOW = 0x30, EC_BKPT_CUR = 0x31, EC_STEP_LOW = 0x32, EC_STEP_CUR = 0x33,
	EC_WATCH_LOW = 0x34, EC_WATCH_CUR = 0x35, EC_BRK = 0x3c,
};

/* Data and instruction abort ISS: fault status code in bits 5:0; for data aborts WnR (bit 6,
 * a write), S1PTW (bit 7, during the table walk), CM (bit 8, cache maintenance), FnV (bit 10,
 * FAR not valid). */
#define ISS_WNR   (1u << 6)
#define ISS_CM    (1u << 8)
#define ISS_FNV   (1u << 10)

static const char *arm64_esr_class_name(u64 esr)
{
	switch (ESR_EC(esr)) {
	case EC_UNKNOWN:   return "undefined instruction";
	case EC_WFX:       return "WFI/WFE trapped";
	case EC_FP:        return "FP/SIMD use trapped (the kernel is built general-regs-only)";
	case EC_ILLEGAL:   return "illegal execution state";
	case EC_SVC64:     return "SVC";
	case EC_HVC64:     return "HVC";
	case EC_SMC64:     return "SMC";
	case EC_SYSREG:    return "system register access trapped";
	case EC_SVE:       return "SVE use trapped";
	case EC_PAC:       return "pointer authentication failure";
	case EC_IABT_LOW:  return "instruction abort from EL0";
	case EC_IABT_CUR:  return "instruction abort";
	case EC_PC_ALIGN:  return "PC alignment fault";
	case EC_DABT_LOW:  return "data abort from EL0";
	case EC_DABT_CUR:  return "data abort";
	case EC_SP_ALIGN:  return "SP alignment fault";
	case EC_FP_EXC:    return "floating-point exception";
	case EC_SERROR:    return "SError";
	case EC_BKPT_LOW: case EC_BKPT_CUR:   return "breakpoint";
	case EC_STEP_LOW: case EC_STEP_CUR:   return "software step";
	case EC_WATCH_LOW: case EC_WATCH_CUR: return "watchpoint";
	case EC_BRK:       return "BRK instruction";
	default:           return "reserved exception class";
	}
}

/* The fault status code of an abort (DFSC/IFSC, ARM ARM D17.2.37). */
static const char *fsc_name(unsigned fsc)
{
	switch (fsc >> 2) {
	case 0: return "address size fault";
	case 1: return "translation fault";
	case 2: return "access flag fault";
	case 3: return "permission fault";
	}
	switch (fsc) {
	case 0x10: return "synchronous external abort";
	case 0x21: return "alignment fault";
	case 0x30: return "TLB conflict abort";
	default:   return "other fault";
	}
}

static bool is_abort(u64 esr)
{
	unsigned ec = ESR_EC(esr);
	return ec == EC_DABT_CUR || ec == EC_DABT_LOW || ec == EC_IABT_CUR || ec == EC_IABT_LOW;
}

/* "EC 0x25 data abort: DFSC 0x06 translation fault, level 2; write" */
static void esr_describe(u64 esr, char *buf, size_t cap)
{
	unsigned iss = ESR_ISS(esr), fsc = iss & 0x3f;
	int n = snprintf(buf, cap, "EC 0x%02x %s", (unsigned)ESR_EC(esr),
			 arm64_esr_class_name(esr));
	if (is_abort(esr) && (size_t)n < cap) {
		bool data = ESR_EC(esr) == EC_DABT_CUR || ESR_EC(esr) == EC_DABT_LOW;
		n += snprintf(buf + n, cap - n, ": %s 0x%02x %s", data ? "DFSC" : "IFSC", fsc,
				fsc_name(fsc));
		if (fsc < 0x10 && (size_t)n < cap)
			n += snprintf(buf + n, cap - n, ", level %u", fsc & 3);
		if (data && (size_t)n < cap)
			snprintf(buf + n, cap - n, "; %s%s%s",
				 iss & ISS_CM ? "cache maintenance" :
				 iss & ISS_WNR ? "write" : "read",
				 iss & ISS_FNV ? ", FAR not valid" : "",
				 iss & (1u << 7) ? ", during the table walk" : "");
	} else if ((size_t)n < cap) {
		snprintf(buf + n, cap - n, ": ISS 0x%07x", iss);
	}
}

/* SPSR_EL1: M[3:0] the mode (EL and SP), NZCV in 31:28, DAIF in 9:6. */
static const char *spsr_mode(u64 spsr)
{
	switch (spsr & 0xf) {
	case 0x0: return "EL0t";
	case 0x4: return "EL1t";
	case 0x5: return "EL1h";
	case 0x8: return "EL2t";
	case 0x9: return "EL2h";
	default:  return spsr & 0x10 ? "AArch32" : "?";
	}
}

void arch_trap_dump(const struct trap_frame *f)
{
	char esr[160];
	esr_describe(f->esr, esr, sizeof(esr));
	printk_raw("PC:   %016lx  SP: %016lx  LR: %016lx\n", f->elr, f->sp, f->x[30]);
	printk_raw("SPSR: %016lx (%s, NZCV %c%c%c%c, DAIF %c%c%c%c)\n", f->spsr, spsr_mode(f->spsr),
		   f->spsr & (1ul << 31) ? 'N' : 'n', f->spsr & (1ul << 30) ? 'Z' : 'z',
		   f->spsr & (1ul << 29) ? 'C' : 'c', f->spsr & (1ul << 28) ? 'V' : 'v',
		   f->spsr & (1ul << 9) ? 'D' : 'd', f->spsr & (1ul << 8) ? 'A' : 'a',
		   f->spsr & (1ul << 7) ? 'I' : 'i', f->spsr & (1ul << 6) ? 'F' : 'f');
	printk_raw("ESR:  %016lx %s\n", f->esr, esr);
	printk_raw("FAR:  %016lx\n", f->far);
	for (int r = 0; r < 31; r += 3) {
		for (int k = r; k < r + 3 && k < 31; k++)
			printk_raw("%s%sx%d: %016lx", k > r ? "  " : "", k < 10 ? " " : "", k,
				   f->x[k]);
		printk_raw("\n");
	}
	printk_raw("TTBR0: %016lx  TTBR1: %016lx  TCR: %016lx\n", sysreg_read(ttbr0_el1),
		   sysreg_read(ttbr1_el1), sysreg_read(tcr_el1));
	printk_raw("SCTLR: %016lx  MAIR: %016lx  TPIDR: %016lx  CPU %u (MPIDR %#lx)\n",
		   sysreg_read(sctlr_el1), sysreg_read(mair_el1), sysreg_read(tpidr_el1),
		   smp_processor_id(), sysreg_read(mpidr_el1));
}

static void abort_fault(struct trap_frame *f)
{
	unsigned ec = ESR_EC(f->esr), iss = ESR_ISS(f->esr), fsc = iss & 0x3f;
	bool exec = ec == EC_IABT_CUR || ec == EC_IABT_LOW;
	bool user = ec == EC_IABT_LOW || ec == EC_DABT_LOW;
	bool write = !exec && (iss & ISS_WNR) && !(iss & ISS_CM);
	/* PAN: the kernel loaded or stored to a user page with PSTATE.PAN set, outside the
	 * uaccess windows (entry.S). A permission fault, but not one to handle: the page may be
	 * mapped as the VMA says, and handling it would retry and fault again for ever. */
	bool pan = arm64_pan_on && !user && !exec && fsc >> 2 == 3 && f->far < USER_VA_END &&
		   (f->spsr & PSR_PAN);
	/* Translation (1), access flag (2) and permission (3) faults are the MMU's; the generic
	 * code decides. The rest (alignment, external aborts, ...) are bugs or probes. */
	if (!pan && fsc >> 2 >= 1 && fsc >> 2 <= 3 && !(iss & ISS_FNV)) {
		struct fault_info fi = {
			.addr = f->far,
			.ip = f->elr,
			.access = (exec ? FAULT_EXEC : write ? FAULT_WRITE : FAULT_READ) |
				  (user ? FAULT_USER : 0) | (fsc >> 2 >= 2 ? FAULT_PRESENT : 0),
		};
		if (fault_entry(&fi, f) == 0)
			return;
	}
	if (user)
		user_fatal_trap(f, ec == EC_DABT_LOW && (fsc == 0x21 || fsc == 0x10) ? USER_SIGBUS :
				USER_SIGSEGV, exec ? "exec" : write ? "write" : "read",
				iss & ISS_FNV ? 0 : f->far);
	if (extable_fixup(f))
		return;
	if (pan)
		panic_trap(f, "PAN: kernel %s of user address %#lx outside uaccess",
			   write ? "write" : "read", f->far);
	panic_trap(f, "unhandled %s: %s %s at %#lx (%s, level %u)%s", arm64_esr_class_name(f->esr),
		   user ? "user" : "kernel", exec ? "exec" : write ? "write" : "read", f->far,
		   fsc_name(fsc), fsc & 3, kstack_guard_hint(f->far));
}

void arm64_sync(struct trap_frame *f)
{
	switch (ESR_EC(f->esr)) {
	case EC_DABT_CUR:
	case EC_IABT_CUR:
	case EC_DABT_LOW:
	case EC_IABT_LOW:
		abort_fault(f);
		return;
	case EC_UNKNOWN:
		/* Probes of optional features (semihosting's HLT) are undefined when absent. */
		if (extable_fixup(f))
			return;
		break;
	default:
		break;
	}
	panic_trap(f, "unhandled exception: %s", arm64_esr_class_name(f->esr));
}

/* The signal Linux sends for an exception at EL0 (arch/arm64/kernel/traps.c and fault.c's
 * tables, by exception class), and the name the kill report gives it. */
static int el0_signal(unsigned ec)
{
	switch (ec) {
	case EC_PC_ALIGN: case EC_SP_ALIGN: return USER_SIGBUS;
	case EC_FP_EXC: return USER_SIGFPE;
	case EC_BRK: case EC_BKPT_LOW: case EC_STEP_LOW: case EC_WATCH_LOW: return USER_SIGTRAP;
	default: return USER_SIGILL;   /* undefined, trapped system register, SVE, ... */
	}
}

/* Entry from EL0 builds its frame at the top of the running thread's stack (entry.S): a frame
 * anywhere else means SP_EL1 was not where the last return to EL0 left it. */
static void el0_frame_check(struct trap_frame *f)
{
	struct thread *t = current_thread();
	BUG_ON(!t->user || f != arch_user_frame((char *)t->stack + KSTACK_SIZE));
}

/* A synchronous exception from EL0; interrupts off, and off again when this returns. */
void arm64_el0_sync(struct trap_frame *f)
{
	el0_frame_check(f);
	unsigned ec = ESR_EC(f->esr);
	switch (ec) {
	case EC_SVC64:
		syscall_entry(f);   /* any immediate: Linux ignores it too */
		break;
	case EC_DABT_LOW:
	case EC_IABT_LOW:
		abort_fault(f);
		break;
	default:
		user_fatal_trap(f, el0_signal(ec), arm64_esr_class_name(f->esr), 0);
	}
	arch_irq_disable();
	user_return_work(f);
}

/* An interrupt that arrived at EL0. */
void arm64_el0_irq(struct trap_frame *f)
{
	el0_frame_check(f);
	arm64_irq(f);
	arch_irq_disable();
	user_return_work(f);
}

__noreturn void arm64_stack_overflow(struct trap_frame *f)
{
	/* The fault's address is in the guard page, or (an IRQ's entry faulting) sp is. */
	const char *hint = kstack_guard_hint(is_abort(f->esr) ? f->far : f->sp);
	if (!*hint)
		hint = kstack_guard_hint(f->sp);
	panic_trap(f, "kernel stack overflow: no room for an exception frame below sp %#lx "
		   "(%s at %#lx)%s", f->sp, arm64_esr_class_name(f->esr), f->far, hint);
}

__noreturn void arm64_bad_vector(struct trap_frame *f, unsigned long vector)
{
	static const char *const from[] = {
		"EL1 on SP_EL0", "EL1", "EL0 (AArch64)", "EL0 (AArch32)",
	};
	static const char *const kind[] = { "synchronous exception", "IRQ", "FIQ", "SError" };
	panic_trap(f, "unexpected %s from %s", kind[vector & 3], from[vector >> 2]);
}

void arm64_irq(struct trap_frame *f)
{
	u32 intid = gic_ack();
	if (intid >= 1020)
		return;   /* spurious: withdrawn before we looked */
	irq_handler_t h = gic_handler(intid);
	if (intid < 32) {
		/* SGIs and PPIs end first: their handlers (IPIs, the tick) may switch threads. A
		 * level-triggered PPI must be quiesced by its handler before interrupts come back
		 * on. */
		gic_eoi(intid);
		if (h)
			h(intid, f);
		else
			pr_warn("arm64: interrupt %u with no handler\n", intid);
		return;
	}
	if (h)
		h(intid, f);
	else
		pr_warn("arm64: interrupt %u with no handler\n", intid);
	gic_eoi(intid);
}
