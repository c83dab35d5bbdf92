/* arm64 side of SMP (kernel/smp.c is the generic side): the CPU list from the device tree,
 * starting CPUs with PSCI CPU_ON, per-CPU data through TPIDR_EL1, IPIs as GIC SGIs, and the
 * context-switch frame of a new thread.
 *
 * A starting CPU comes up with its MMU off, in head.S's arm64_secondary_head, and reads its
 * struct arm64_cpu_boot as Device memory (uncached): the boot CPU cleans it to the point of
 * coherency first. Each CPU's firmware id is cpu_block(cpu)->hwid, its MPIDR affinity. */
#include "arch/arm64/arm64.h"
#include "boot/boot_info.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "mm/kernel_map.h"
#include "mm/mm.h"
#include "mm/page.h"

/* One per start attempt (indexed by struct cpu_start's attempt), written once before CPU_ON and
 * never again: a CPU that answers after the boot CPU gave up on it still reads its own. */
struct arm64_cpu_boot {
	u64 ttbr1;       /* head.S reads the first two with the MMU off: keep the offsets */
	u64 stack_top;
	struct cpu_start *start;
} __aligned(64);

static struct arm64_cpu_boot cpu_boot[MAX_CPUS];

static void ipi_irq(unsigned intid, struct trap_frame *f) { (void)intid; ipi_interrupt(f); }
static void stop_irq(unsigned intid, struct trap_frame *f) { (void)intid; panic_stop_self(f); }

/* This CPU's interrupt sources: the GIC's redistributor and CPU interface, the IPI and stop
 * SGIs, the timer's PPI. */
static void cpu_irqs_init(unsigned cpu)
{
	int err = gic_cpu_init();
	if (err)
		panic("arm64: CPU %u: no GIC redistributor for MPIDR %#lx (%s)", cpu,
		      (unsigned long)arm64_mpidr(), errno_name(err));
	gic_enable_private(SGI_IPI);
	gic_enable_private(SGI_STOP);
	arm64_timer_cpu_init();
}

/* The enabled children of /cpus with device_type "cpu", whose reg is the MPIDR affinity, into
 * bi->cpus, this CPU (me) first. False if /cpus is missing or does not list this CPU. */
static bool __init find_cpus(struct boot_info *bi, const struct fdt *f, u64 me)
{
	unsigned n = 1, limit = MIN((unsigned)BOOT_MAX_CPUS, (unsigned)MAX_CPUS);
	bool found_me = false;
	int cpus = fdt_path(f, "/cpus");
	for (int c = cpus >= 0 ? fdt_first_child(f, cpus) : -ENOENT; c >= 0;
	     c = fdt_next_sibling(f, c)) {
		const char *type = fdt_prop_string(f, c, "device_type");
		const char *status = fdt_prop_string(f, c, "status");
		u64 hwid, unused;
		if (!type || strcmp(type, "cpu") || (status && strcmp(status, "okay")) ||
		    fdt_reg(f, c, 0, &hwid, &unused))
			continue;
		if (hwid == me) {
			found_me = true;
		} else if (n < limit) {
			bi->cpus[n++].hwid = hwid;
		} else {
			pr_warn("arm64: more than %u CPUs in the device tree; MPIDR %#lx left "
				"out\n", limit, (unsigned long)hwid);
		}
	}
	bi->cpus[0].hwid = me;
	bi->nr_cpus = found_me ? n : 1;
	return found_me;
}

void __init arch_platform_init(struct boot_info *bi)
{
	const struct fdt *f = &arm64_fdt;
	u64 me = arm64_mpidr();
	cpu_block(0)->hwid = me;
	if (!find_cpus(bi, f, me))
		pr_warn("arm64: this CPU (MPIDR %#lx) is not in the device tree's /cpus; "
			"running on it alone\n", (unsigned long)me);
	int err = gic_init(f);
	if (err)
		panic("arm64: no usable GICv3 (%s); run QEMU with -M virt,gic-version=3",
		      errno_name(err));
	gic_set_handler(SGI_IPI, ipi_irq);
	gic_set_handler(SGI_STOP, stop_irq);
	arm64_timer_init(f);
	cpu_irqs_init(0);
	pr_info("arm64: %u CPU(s) in the device tree, boot CPU MPIDR %#lx\n", bi->nr_cpus,
		(unsigned long)me);
	arm64_asid_init(bi->nr_cpus);   /* how many ASIDs it needs depends on the CPUs */
	arm64_user_cpu_init(true);
}

int arch_cpu_prepare(struct cpu_start *s)
{
	struct arm64_cpu_boot *b = &cpu_boot[s->attempt];
	b->ttbr1 = sysreg_read(ttbr1_el1) & ARM64_PTE_ADDR;
	b->stack_top = (u64)s->stack_top;
	b->start = s;
	/* Clean the block to the point of coherency: the new CPU reads memory, not our cache. */
	__asm__ __volatile__("dc cvac, %0; dsb sy" :: "r"(b) : "memory");
	return 0;
}

int arch_cpu_kick(struct cpu_start *s)
{
	long r = psci_cpu_on(s->hwid, (phys_addr_t)(uintptr_t)arm64_secondary_head,
			     arch_image_virt_to_phys((uintptr_t)&cpu_boot[s->attempt]));
	switch (r) {
	case PSCI_SUCCESS:     return 0;
	case PSCI_ALREADY_ON:  return -EBUSY;
	case -2:               return -EINVAL;   /* INVALID_PARAMETERS: no such CPU */
	default:               return -EIO;
	}
}

/* head.S's secondary_high calls this on the new CPU: MMU on with the kernel's TTBR1, on its
 * idle thread's stack, vectors installed, interrupts masked. */
__noreturn void arm64_secondary_start(phys_addr_t boot_pa)
{
	struct arm64_cpu_boot *b = phys_to_virt(boot_pa);
	unsigned cpu = smp_secondary_arrive(b->start);   /* parks if the boot CPU gave up on us */
	percpu_bind(cpu);
	arch_mmu_switch(&init_mm);   /* the identity map goes */
	arch_tlb_flush_all_local();
	cpu_irqs_init(cpu);
	arm64_user_cpu_init(false);
	secondary_entry(cpu);
}

/* Every exception masked: nothing can reach a CPU that has no per-CPU data. */
__noreturn void arch_cpu_park(struct cpu_start *s)
{
	(void)s;
	arch_halt_forever();
}

u64 arch_cpu_hwid(void) { return arm64_mpidr(); }

void arch_percpu_set(struct percpu *pc) { sysreg_write(tpidr_el1, pc); }

void arch_send_ipi(unsigned cpu) { gic_send_sgi(SGI_IPI, cpu_block(cpu)->hwid); }

/* Without pseudo-NMIs (interrupt masking by GIC priority) a CPU spinning with interrupts masked
 * does not take this; see docs/arm64.md. */
void arch_send_stop(unsigned cpu) { gic_send_sgi(SGI_STOP, cpu_block(cpu)->hwid); }

/* The frame arch_context_switch pops (entry.S): x19..x28, x29, x30, lowest first. The first
 * switch "returns" to arm64_thread_start, which calls x19(x20). */
void *arch_thread_stack_init(void *stack_top, void (*entry)(void *), void *arg)
{
	extern char arm64_thread_start[];
	u64 *sp = (u64 *)ALIGN_DOWN((uintptr_t)stack_top, 16) - 12;
	memset(sp, 0, 12 * sizeof(u64));
	sp[0] = (u64)entry;
	sp[1] = (u64)arg;
	sp[11] = (u64)arm64_thread_start;
	return sp;
}
