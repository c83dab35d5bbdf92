/* The GICv3 interrupt controller (Arm GIC Architecture Specification v3/v4, IHI 0069): one
 * distributor for shared peripheral interrupts (SPIs, INTID 32..1019), one redistributor per CPU
 * for its private ones (SGIs 0..15 for IPIs, PPIs 16..31 such as the timer), and the CPU
 * interface as system registers (ICC_*_EL1). Everything is Group 1 (non-secure), priority 0xa0,
 * with EOImode 0: writing ICC_EOIR1_EL1 drops the priority and deactivates.
 *
 * Addresses come from the device tree's arm,gic-v3 node: reg[0] the distributor, then
 * #redistributor-regions regions that each CPU searches for its own frame (GICR_TYPER's affinity
 * matches its MPIDR). Handlers are registered per INTID before the interrupt is enabled and
 * are read by the IRQ path on any CPU. */
#include "arch/arm64/arm64.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "lib/fdt.h"
#include "mm/vmap.h"

/* Distributor registers */
#define GICD_CTLR        0x0000   /* bit 31 RWP; 6 DS; 4 ARE; 1 EnableGrp1(A); 0 EnableGrp0/1 */
#define GICD_TYPER       0x0004   /* bits 4:0 ITLinesNumber: 32 * (N + 1) INTIDs */
#define GICD_IGROUPR     0x0080
#define GICD_ICENABLER   0x0180
#define GICD_ICPENDR     0x0280
#define GICD_IPRIORITYR  0x0400
#define GICD_IROUTER     0x6000   /* 64 bits per SPI, from INTID 32 at +0x6100 */
#define GICD_CTLR_RWP    (1u << 31)
#define GICD_CTLR_DS     (1u << 6)

/* Redistributor: RD_base frame, then SGI_base frame 64 KiB above it */
#define GICR_CTLR        0x0000   /* bit 3 RWP */
#define GICR_TYPER       0x0008   /* 63:32 affinity; 4 Last; 1 VLPIS (GICv4: four frames) */
#define GICR_WAKER       0x0014   /* bit 1 ProcessorSleep, bit 2 ChildrenAsleep */
#define GICR_SGI_BASE    0x10000
#define GICR_IGROUPR0    (GICR_SGI_BASE + 0x0080)
#define GICR_ISENABLER0  (GICR_SGI_BASE + 0x0100)
#define GICR_ICENABLER0  (GICR_SGI_BASE + 0x0180)
#define GICR_ICPENDR0    (GICR_SGI_BASE + 0x0280)
#define GICR_IPRIORITYR  (GICR_SGI_BASE + 0x0400)

/* CPU interface system registers */
#define ICC_PMR_EL1      S3_0_C4_C6_0
#define ICC_IAR1_EL1     S3_0_C12_C12_0
#define ICC_EOIR1_EL1    S3_0_C12_C12_1
#define ICC_BPR1_EL1     S3_0_C12_C12_3
#define ICC_CTLR_EL1     S3_0_C12_C12_4
#define ICC_SRE_EL1      S3_0_C12_C12_5
#define ICC_IGRPEN1_EL1  S3_0_C12_C12_7
#define ICC_SGI1R_EL1    S3_0_C12_C11_5
#define __sysreg_read(r)     sysreg_read(r)
#define __sysreg_write(r, v) sysreg_write(r, v)

#define PRIO_DEFAULT     0xa0
#define MAX_RDIST_REGIONS 4
#define MAX_INTID        1020
#define SPIN_LIMIT       10000000

static struct {
	volatile u8 *dist;
	struct { volatile u8 *base; u64 size; } rdist[MAX_RDIST_REGIONS];
	unsigned nr_rdist, nr_irqs;
	u64 stride;   /* from the device tree, or 0: from each frame's GICR_TYPER */
} gic;

static DEFINE_PER_CPU(volatile u8 *, cpu_rd);   /* this CPU's RD_base; written once by it */
static irq_handler_t handlers[MAX_INTID];

void gic_set_handler(unsigned intid, irq_handler_t fn) { WRITE_ONCE(handlers[intid], fn); }

irq_handler_t gic_handler(unsigned intid) { return READ_ONCE(handlers[intid]); }

static bool wait_clear(volatile void *reg, u32 bit)
{
	for (int spin = 0; spin < SPIN_LIMIT; spin++)
		if (!(mmio_read32(reg) & bit))
			return true;
	return false;
}

static int map_regions(const struct fdt *f, int node)
{
	u64 addr, size;
	u32 regions = 1;
	if (fdt_reg(f, node, 0, &addr, &size))
		return -EINVAL;
	gic.dist = mmio_map(addr, size);
	fdt_prop_u32(f, node, "#redistributor-regions", &regions);
	u32 stride32;
	if (fdt_prop_u32(f, node, "redistributor-stride", &stride32))
		gic.stride = stride32;
	for (unsigned r = 0; r < regions && r < MAX_RDIST_REGIONS; r++) {
		if (fdt_reg(f, node, 1 + r, &addr, &size))
			return -EINVAL;
		/* QEMU's region has room for 123 CPUs; map what MAX_CPUS GICv4 frames can use. */
		size = MIN(size, (u64)MAX_CPUS * 0x40000);
		gic.rdist[r].base = mmio_map(addr, size);
		gic.rdist[r].size = size;
		gic.nr_rdist++;
		pr_info("gic: redistributor region %u at %#lx (%lu KiB)\n", r, (unsigned long)addr,
			(unsigned long)(size >> 10));
	}
	if (!gic.dist || !gic.nr_rdist || !gic.rdist[0].base)
		return -ENOMEM;
	return 0;
}

int __init gic_init(const struct fdt *f)
{
	int node = fdt_find_compatible(f, -1, "arm,gic-v3");
	if (node < 0)
		return -ENODEV;
	int err = map_regions(f, node);
	if (err)
		return err;

	volatile u8 *d = gic.dist;
	mmio_write32(d + GICD_CTLR, 0);
	if (!wait_clear(d + GICD_CTLR, GICD_CTLR_RWP))
		return -ETIMEDOUT;
	gic.nr_irqs = MIN(32 * ((mmio_read32(d + GICD_TYPER) & 0x1f) + 1), (u32)MAX_INTID);
	/* Every SPI: Group 1, disabled, not pending, default priority, routed to this CPU. */
	for (unsigned i = 32; i < gic.nr_irqs; i += 32) {
		mmio_write32(d + GICD_IGROUPR + i / 8, ~0u);
		mmio_write32(d + GICD_ICENABLER + i / 8, ~0u);
		mmio_write32(d + GICD_ICPENDR + i / 8, ~0u);
	}
	for (unsigned i = 32; i < gic.nr_irqs; i += 4)
		mmio_write32(d + GICD_IPRIORITYR + i, PRIO_DEFAULT * 0x01010101u);
	for (unsigned i = 32; i < gic.nr_irqs; i++)
		mmio_write64(d + GICD_IROUTER + 8 * i, arm64_mpidr());
	if (!wait_clear(d + GICD_CTLR, GICD_CTLR_RWP))
		return -ETIMEDOUT;
	/* Affinity routing first, then the groups (IHI 0069, 12.9.4: ARE may not change later). */
	mmio_write32(d + GICD_CTLR, 1u << 4);
	wait_clear(d + GICD_CTLR, GICD_CTLR_RWP);
	mmio_write32(d + GICD_CTLR, (1u << 4) | (1u << 1) | (1u << 0));
	wait_clear(d + GICD_CTLR, GICD_CTLR_RWP);
	bool one_state = mmio_read32(d + GICD_CTLR) & GICD_CTLR_DS;
	pr_info("gic: GICv3 distributor %s, %u interrupt lines%s\n", fdt_node_name(f, node),
		gic.nr_irqs, one_state ? ", one security state" : "");
	return 0;
}

static volatile u8 *find_redistributor(void)
{
	u64 m = arm64_mpidr();
	u32 aff = (u32)(((m >> 32) & 0xff) << 24 | (m & 0xffffff));
	for (unsigned r = 0; r < gic.nr_rdist; r++) {
		for (u64 off = 0; off + 0x20000 <= gic.rdist[r].size;) {
			volatile u8 *rd = gic.rdist[r].base + off;
			u64 typer = mmio_read64(rd + GICR_TYPER);
			if ((u32)(typer >> 32) == aff)
				return rd;
			if (typer & (1u << 4))
				break;   /* Last */
			off += gic.stride ? gic.stride : (typer & (1u << 1)) ? 0x40000 : 0x20000;
		}
	}
	return NULL;
}

int gic_cpu_init(void)
{
	volatile u8 *rd = find_redistributor();
	if (!rd)
		return -ENODEV;
	*this_cpu_ptr(&cpu_rd) = rd;

	/* Wake the redistributor (IHI 0069, 11.1: ProcessorSleep, then ChildrenAsleep clears). */
	mmio_write32(rd + GICR_WAKER, mmio_read32(rd + GICR_WAKER) & ~(1u << 1));
	if (!wait_clear(rd + GICR_WAKER, 1u << 2))
		return -ETIMEDOUT;
	/* SGIs and PPIs: Group 1, disabled until someone enables them, default priority. */
	mmio_write32(rd + GICR_IGROUPR0, ~0u);
	mmio_write32(rd + GICR_ICENABLER0, ~0u);
	mmio_write32(rd + GICR_ICPENDR0, ~0u);
	for (unsigned i = 0; i < 32; i += 4)
		mmio_write32(rd + GICR_IPRIORITYR + i, PRIO_DEFAULT * 0x01010101u);
	if (!wait_clear(rd + GICR_CTLR, 1u << 3))
		return -ETIMEDOUT;

	/* The CPU interface, by system registers (SRE), then: everything above priority 0xf0
	 * passes, no preemption groups, EOImode 0, Group 1 on. */
	__sysreg_write(ICC_SRE_EL1, __sysreg_read(ICC_SRE_EL1) | 1);
	isb();
	if (!(__sysreg_read(ICC_SRE_EL1) & 1))
		return -ENODEV;
	__sysreg_write(ICC_PMR_EL1, 0xf0);
	__sysreg_write(ICC_BPR1_EL1, 0);
	__sysreg_write(ICC_CTLR_EL1, __sysreg_read(ICC_CTLR_EL1) & ~(1ul << 1));
	__sysreg_write(ICC_IGRPEN1_EL1, 1);
	isb();
	return 0;
}

void gic_enable_private(unsigned intid)
{
	volatile u8 *rd = *this_cpu_ptr(&cpu_rd);
	mmio_write32(rd + GICR_ISENABLER0, 1u << intid);
}

void gic_send_sgi(unsigned sgi, u64 hwid)
{
	/* ICC_SGI1R_EL1: Aff3 55:48, RS 47:44 (Aff0 / 16), Aff2 39:32, INTID 27:24, Aff1 23:16,
	 * target list 15:0 (bit Aff0 % 16). */
	u64 aff0 = hwid & 0xff;
	u64 v = ((hwid >> 32) & 0xff) << 48 | (aff0 >> 4) << 44 | ((hwid >> 16) & 0xff) << 32 |
		(u64)sgi << 24 | ((hwid >> 8) & 0xff) << 16 | 1ull << (aff0 & 15);
	/* The target must see this CPU's earlier stores when it takes the interrupt
	 * (arch_send_ipi). A write to ICC_SGI1R_EL1 is a system-register write, not a memory
	 * access, so a DMB does not order it after them; a DSB completes them before any later
	 * instruction executes (ARM ARM, DSB; GICv3 spec IHI 0069, SGI generation). The ISB
	 * makes the write itself take effect now. */
	__asm__ __volatile__("dsb ishst" ::: "memory");
	__sysreg_write(ICC_SGI1R_EL1, v);
	isb();
}

u32 gic_ack(void)
{
	u32 intid = (u32)__sysreg_read(ICC_IAR1_EL1) & 0xffffff;
	__asm__ __volatile__("dsb sy" ::: "memory");
	return intid;
}

void gic_eoi(u32 intid)
{
	__sysreg_write(ICC_EOIR1_EL1, intid);
	isb();
}
