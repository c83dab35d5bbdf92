/* ppc64 interrupts that are not faults: the decrementer and XICS external interrupts.
 * (Placeholder until the SMP/timer contract is wired: both are reported and silenced.) */
#include "arch/ppc64/ppc64.h"
#include "kernel/panic.h"
#include "kernel/printk.h"

void ppc64_timer_interrupt(struct trap_frame *f)
{
	(void)f;
	mtspr(SPR_DEC, 0x7fffffff);
	pr_warn("ppc64: unexpected decrementer interrupt\n");
}

void ppc64_external_interrupt(struct trap_frame *f)
{
	(void)f;
	u64 ret[4];
	ppc64_hcall_ret(ret, H_XIRR, 0, 0, 0, 0, 0);
	ppc64_hcall(H_EOI, ret[0], 0, 0, 0, 0, 0);
	pr_warn("ppc64: unexpected external interrupt %#lx\n", ret[0] & 0xffffff);
}

void ppc64_system_reset(struct trap_frame *f)
{
	panic_trap(f, "system reset");
}

/* Secondary CPUs (head.S takes each from RTAS start-cpu to here, on the stack left for it). */
u64 ppc64_secondary_stacks[MAX_CPUS];

__noreturn void ppc64_secondary_boot(unsigned cpu)
{
	(void)cpu;
	arch_halt_forever();
}
