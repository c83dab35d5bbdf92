/* The Arm generic timer (ARM ARM D11): a system counter at CNTFRQ_EL0 Hz, read as CNTVCT_EL0
 * (arch_cycles), and per CPU the EL1 virtual timer, which raises its PPI while CNTVCT >= CNTV_CVAL
 * and CNTV_CTL.ENABLE is set. One-shot: the interrupt disables the timer, the generic timer code
 * arms it again. Its INTID comes from the device tree's arm,armv8-timer node. */
#include "arch/arm64/arm64.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "lib/fdt.h"

#define CNTV_CTL_ENABLE (1u << 0)
#define VTIMER_FALLBACK 27   /* PPI 11: the architecture's recommended virtual timer INTID */

static u64 counter_hz;
static unsigned vtimer_intid = VTIMER_FALLBACK;

u64 arch_cycle_freq(void) { return counter_hz; }

void __init arm64_timer_early_init(void)
{
	counter_hz = sysreg_read(cntfrq_el0);
}

static void vtimer_irq(unsigned intid, struct trap_frame *f)
{
	(void)intid;
	arch_timer_cancel();   /* quiesce the level-triggered line before interrupts come back */
	timer_interrupt(f);
}

void arch_timer_arm(u64 deadline)
{
	sysreg_write(cntv_cval_el0, deadline);
	sysreg_write(cntv_ctl_el0, CNTV_CTL_ENABLE);
	isb();
}

void arch_timer_cancel(void)
{
	sysreg_write(cntv_ctl_el0, 0);
	isb();
}

void arm64_timer_cpu_init(void)
{
	arch_timer_cancel();
	gic_enable_private(vtimer_intid);
}

/* interrupts = <type number flags> for the secure physical, non-secure physical, virtual and
 * hypervisor timers, in that order (bindings/timer/arm,arch_timer.yaml); type 1 is a PPI. */
int __init arm64_timer_init(const struct fdt *f)
{
	int node = fdt_find_compatible(f, -1, "arm,armv8-timer");
	u32 len = 0;
	const u8 *irqs = node >= 0 ? fdt_prop(f, node, "interrupts", &len) : NULL;
	if (irqs && len >= 36 && fdt_be32(irqs + 24) == 1 && fdt_be32(irqs + 28) < 16) {
		vtimer_intid = 16 + fdt_be32(irqs + 28);
	} else {
		pr_warn("timer: no virtual timer interrupt in the device tree; assuming INTID %u\n",
			VTIMER_FALLBACK);
	}
	if (!counter_hz) {
		pr_warn("timer: CNTFRQ_EL0 is 0; assuming 62.5 MHz (QEMU 7.2's virt)\n");
		counter_hz = 62500000;
	}
	gic_set_handler(vtimer_intid, vtimer_irq);
	pr_info("timer: generic timer at %lu Hz, virtual timer INTID %u\n",
		(unsigned long)counter_hz, vtimer_intid);
	return 0;
}
