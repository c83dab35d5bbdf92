/* x86_64 trap dispatch: decode what the CPU reports and hand it to generic code. Page faults go
 * to fault_entry(); anything not handled tries an exception fixup, then panics with the frame. */
#include "arch/x86_64/x86.h"
#include "kernel/panic.h"
#include "kernel/printk.h"

static const char *const exc_names[VEC_NR_EXCEPTIONS] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available", "#DF double fault",
	"coprocessor segment overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 floating point", "#AC alignment check", "#MC machine check",
	"#XM SIMD floating point", "#VE virtualisation", "#CP control protection",
};

static const char *exc_name(u64 v)
{
	return v < VEC_NR_EXCEPTIONS && exc_names[v] ? exc_names[v] : "reserved exception";
}

void arch_trap_dump(const struct trap_frame *f)
{
	const char *what = f->vector < VEC_NR_EXCEPTIONS ? exc_name(f->vector) : "irq";
	printk_raw("RIP: %04lx:%016lx RFLAGS: %08lx vector %lu (%s) error %#lx\n",
		   f->cs, f->rip, f->rflags, f->vector, what, f->error);
	printk_raw("RSP: %04lx:%016lx CR2: %016lx CR3: %016lx\n", f->ss, f->rsp,
		   x86_read_cr2(), x86_read_cr3());
	printk_raw("RAX: %016lx RBX: %016lx RCX: %016lx\n", f->rax, f->rbx, f->rcx);
	printk_raw("RDX: %016lx RSI: %016lx RDI: %016lx\n", f->rdx, f->rsi, f->rdi);
	printk_raw("RBP: %016lx R8:  %016lx R9:  %016lx\n", f->rbp, f->r8, f->r9);
	printk_raw("R10: %016lx R11: %016lx R12: %016lx\n", f->r10, f->r11, f->r12);
	printk_raw("R13: %016lx R14: %016lx R15: %016lx\n", f->r13, f->r14, f->r15);
	printk_raw("CR0: %016lx CR4: %016lx\n", x86_read_cr0(), x86_read_cr4());
}

static void page_fault(struct trap_frame *f)
{
	/* Error code bits (SDM vol. 3A, 4.7): P=0, W/R=1, U/S=2, RSVD=3, I/D=4. */
	struct fault_info fi = {
		.addr = x86_read_cr2(),
		.ip = f->rip,
		.access = (f->error & 2 ? FAULT_WRITE : FAULT_READ) |
			  (f->error & 16 ? FAULT_EXEC : 0) |
			  (f->error & 4 ? FAULT_USER : 0) |
			  (f->error & 1 ? FAULT_PRESENT : 0) |
			  (f->error & 8 ? FAULT_RSVD : 0),
	};
	/* SMAP: the kernel touched a user page with RFLAGS.AC clear, outside the copies that may
	 * (entry.S). Not a fault to handle: handling it would map the page and fault again. */
	bool smap = x86_smap_on && !(f->error & 4) && fi.addr < USER_VA_END &&
		    !(f->rflags & RFLAGS_AC);
	if (!smap && fault_entry(&fi, f) == 0)
		return;
	if (arch_frame_from_user(f))
		user_fatal_trap(f, USER_SIGSEGV, fi.access & FAULT_EXEC ? "exec" :
				fi.access & FAULT_WRITE ? "write" : "read", fi.addr);
	if (extable_fixup(f))
		return;
	if (smap)
		panic_trap(f, "SMAP: kernel %s of user address %#lx outside uaccess",
			   fi.access & FAULT_WRITE ? "write" : "read", fi.addr);
	panic_trap(f, "unhandled page fault: %s %s at %#lx (%s)",
		   fi.access & FAULT_USER ? "user" : "kernel",
		   fi.access & FAULT_EXEC ? "exec" : fi.access & FAULT_WRITE ? "write" : "read",
		   fi.addr, fi.access & FAULT_RSVD ? "reserved bit set in an entry" :
		   fi.access & FAULT_PRESENT ? "protection" : "not present");
}

static void x86_trap_kernel(struct trap_frame *f);

/* The signal Linux sends for an exception in user mode (arch/x86/kernel/traps.c's table). */
static int x86_user_signal(u64 vector)
{
	switch (vector) {
	case 0: case 16: case 19: return USER_SIGFPE;   /* #DE, #MF, #XM */
	case 1: case 3: return USER_SIGTRAP;            /* #DB, #BP */
	case 6: return USER_SIGILL;                     /* #UD */
	case 17: return USER_SIGBUS;                    /* #AC */
	default: return USER_SIGSEGV;                   /* #GP, #SS, #NP, ... */
	}
}

/* Every trap; interrupts off, and off again when this returns to entry.S. */
void x86_trap(struct trap_frame *f)
{
	x86_trap_kernel(f);
	if (arch_frame_from_user(f)) {
		arch_irq_disable();
		user_return_work(f);
	}
}

static void x86_trap_kernel(struct trap_frame *f)
{
	switch (f->vector) {
	case VEC_TIMER:
		lapic_eoi();
		timer_interrupt(f);
		return;
	case VEC_IPI:
		lapic_eoi();
		ipi_interrupt(f);
		return;
	case VEC_SPURIOUS:
		return;   /* no EOI for the spurious vector */
	case VEC_NMI:
		/* Only sent by panic to stop this CPU (arch_send_stop). */
		panic_stop_self(f);
	case VEC_PAGE_FAULT:
		page_fault(f);
		return;
	case VEC_GENERAL_PROT:
		if (!arch_frame_from_user(f) && extable_fixup(f))
			return;
		break;
	case VEC_DOUBLE_FAULT:
		/* On its own IST stack: a fault pushing onto an overflowed stack ends here. */
		panic_trap(f, "double fault (kernel stack overflow?) rsp %#lx cr2 %#lx%s",
			   f->rsp, x86_read_cr2(), kstack_guard_hint(x86_read_cr2()));
	default:
		break;
	}
	if (f->vector < VEC_NR_EXCEPTIONS && arch_frame_from_user(f))
		user_fatal_trap(f, x86_user_signal(f->vector), exc_name(f->vector), 0);
	if (f->vector < VEC_NR_EXCEPTIONS)
		panic_trap(f, "unhandled exception %s", exc_name(f->vector));
	printk(LOG_WARN, "x86: unexpected interrupt vector %lu\n", f->vector);
}

/* entry.S, on the way back to user mode: the frame's rip is not canonical. */
__noreturn void x86_bad_user_rip(struct trap_frame *f);
__noreturn void x86_bad_user_rip(struct trap_frame *f)
{
	user_fatal_trap(f, USER_SIGSEGV, "return to a non-canonical address", 0);
}
