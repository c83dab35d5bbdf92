/* PSCI, the Power State Coordination Interface (Arm DEN0022): firmware calls to start and stop
 * CPUs and to turn the machine off. QEMU implements it itself, reached by HVC, or by SMC when it
 * emulates EL2 (virtualization=on; the kernel then drops to EL1 and there is no hypervisor to
 * answer HVC). The device tree's /psci "method" names the conduit.
 *
 * Power-off with a status: semihosting SYS_EXIT (QEMU exits with the status) when QEMU runs with
 * -semihosting-config enable=on; otherwise PSCI SYSTEM_OFF, which QEMU reports as status 0, so
 * the console's summary line is then the only verdict. */
#include "arch/arm64/arm64.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "lib/fdt.h"
#include "lib/string.h"

#define PSCI_VERSION        0x84000000u
#define PSCI_CPU_ON         0xc4000003u   /* SMC64 */
#define PSCI_SYSTEM_OFF     0x84000008u

#define SEMIHOST_EXIT_APPLICATION 0x20026   /* ADP_Stopped_ApplicationExit */

static bool use_smc, conduit_known;
static u32 fn_cpu_on = PSCI_CPU_ON;

/* SMC Calling Convention: function id in x0, arguments in x1..x3, result in x0; x4..x17 may
 * be clobbered. */
static long psci_call(u64 fn, u64 a1, u64 a2, u64 a3)
{
	register u64 x0 __asm__("x0") = fn;
	register u64 x1 __asm__("x1") = a1;
	register u64 x2 __asm__("x2") = a2;
	register u64 x3 __asm__("x3") = a3;
#define SMCCC_CLOBBERS "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", \
	"x15", "x16", "x17", "memory"
	if (conduit_known ? use_smc : arm64_boot_el == 2)
		__asm__ __volatile__("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
				     :: SMCCC_CLOBBERS);
	else
		__asm__ __volatile__("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
				     :: SMCCC_CLOBBERS);
	return (long)(s32)x0;
}

void __init psci_init(const struct fdt *f)
{
	/* Until the device tree says otherwise: SMC if we came in at EL2 (no hypervisor below). */
	use_smc = arm64_boot_el == 2;
	conduit_known = true;
	int node = fdt_path(f, "/psci");
	if (node < 0)
		node = fdt_find_compatible(f, -1, "arm,psci");
	const char *method = node >= 0 ? fdt_prop_string(f, node, "method") : NULL;
	if (method && (!strcmp(method, "hvc") || !strcmp(method, "smc"))) {
		use_smc = method[0] == 's';
	} else {
		pr_warn("psci: no /psci method in the device tree; assuming %s\n",
			use_smc ? "smc" : "hvc");
	}
	/* PSCI 0.1 firmware names its own function ids; 0.2 and later use the standard ones. */
	if (node >= 0 && !fdt_is_compatible(f, node, "arm,psci-0.2") &&
	    !fdt_is_compatible(f, node, "arm,psci-1.0")) {
		fdt_prop_u32(f, node, "cpu_on", &fn_cpu_on);
		pr_info("psci: version 0.1 through %s\n", use_smc ? "smc" : "hvc");
		return;
	}
	long v = psci_call(PSCI_VERSION, 0, 0, 0);
	pr_info("psci: version %ld.%ld through %s\n", (v >> 16) & 0xffff, v & 0xffff,
		use_smc ? "smc" : "hvc");
}

long psci_cpu_on(u64 hwid, phys_addr_t entry, u64 context)
{
	return psci_call(fn_cpu_on, hwid, entry, context);
}

__noreturn void arch_halt_forever(void)
{
	for (;;)
		__asm__ __volatile__("msr daifset, #0xf; wfi" ::: "memory");
}

__noreturn void arch_power_off(int status)
{
	static u64 block[2];
	arch_irq_disable();
	block[0] = SEMIHOST_EXIT_APPLICATION;
	block[1] = (u64)(unsigned)status;
	arm64_semihost_exit(block);   /* returns only without semihosting */
	psci_call(PSCI_SYSTEM_OFF, 0, 0, 0);
	arch_halt_forever();
}
