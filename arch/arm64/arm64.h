/* arm64-private declarations shared by the files of arch/arm64/ (never included by generic
 * code). Each group names the file that implements it. */
#ifndef ARCH_ARM64_ARM64_H
#define ARCH_ARM64_ARM64_H

#include "arch/arch.h"
#include "kernel/percpu.h"
#include "lib/fdt.h"
#include "mm/page.h"

struct boot_info;
struct mm;

/* ---- Device registers (mapped Device-nGnRE: accesses are not merged or reordered) ---- */
static inline u32 mmio_read32(const volatile void *a) { return *(const volatile u32 *)a; }
static inline void mmio_write32(volatile void *a, u32 v) { *(volatile u32 *)a = v; }
static inline u64 mmio_read64(const volatile void *a) { return *(const volatile u64 *)a; }
static inline void mmio_write64(volatile void *a, u64 v) { *(volatile u64 *)a = v; }

/* ---- head.S ---- */
extern u64 arm64_boot_el;            /* CurrentEL at entry: 1, or 2 (dropped to EL1 at once) */
extern char arm64_secondary_head[];  /* physical entry point for PSCI CPU_ON */
extern pte_t boot_l3_fixmap[];       /* the fixmap's last-level table in the boot tables */
/* Runs from the identity map: point TTBR1 at root, with break-before-make (an empty table and a
 * TLB flush in between), since the old and new tables map the running image differently. */
void arm64_idmap_replace_ttbr1(phys_addr_t root);

/* ---- start.c ---- */
extern struct fdt arm64_fdt;         /* the device tree, checked at boot (lib/fdt.h) */

/* ---- console.c: the PL011 UART ---- */
void arm64_console_init(phys_addr_t uart);

/* ---- mmu.c ---- */
#define FIX_CONSOLE 0                /* fixmap slots: one page each at FIXMAP_BASE + slot pages */
void *arm64_fixmap_set(unsigned slot, phys_addr_t pa);
extern phys_addr_t arm64_reserved_ttbr0;   /* the empty table TTBR0 holds without a user space */

/* ---- asid.c: an ASID per user address space, in generations ---- */
struct arm64_asid_stats {
	u64 slow_paths;    /* switches that took the lock (the id was not of this generation) */
	u64 allocations;   /* numbers handed out from the free ones */
	u64 rollovers;     /* generations begun */
	u64 tlb_flushes;   /* local flushes before a CPU's first ASID of a new generation */
};
void arm64_asid_init(unsigned nr_cpus);     /* arch_platform_init, before any user switch */
u64 arm64_asid_switch(struct mm *mm);       /* the ASID mm runs under here now; irqs off */
u64 arm64_asid_of(const struct mm *mm);     /* the number in its id (0: none yet) */
bool arm64_asid_is_current(const struct mm *mm);   /* its id is of the current generation */
unsigned arm64_asid_bits(void);             /* the width in use */
u64 arm64_asid_generation(void);            /* the current one, as its ids hold it */
void arm64_asid_get_stats(struct arm64_asid_stats *st);

/* ---- traps.c ---- */
void arm64_sync(struct trap_frame *f);
void arm64_irq(struct trap_frame *f);
void arm64_el0_sync(struct trap_frame *f);   /* from EL0: end in user_return_work() */
void arm64_el0_irq(struct trap_frame *f);

/* ---- user.c ---- */
extern bool arm64_pan_on;                   /* FEAT_PAN present and in use */
void arm64_user_cpu_init(bool boot);        /* CPACR, SCTLR (SPAN, UCT, DZE), PAN: every CPU */
__noreturn void arm64_bad_vector(struct trap_frame *f, unsigned long vector);
__noreturn void arm64_stack_overflow(struct trap_frame *f);

/* ---- gic.c: GICv3 ---- */
#define SGI_IPI   0   /* arch_send_ipi: ipi_interrupt() */
#define SGI_STOP  1   /* arch_send_stop: panic_stop_self() */
typedef void (*irq_handler_t)(unsigned intid, struct trap_frame *f);
int gic_init(const struct fdt *f);          /* the distributor (boot CPU, once) */
int gic_cpu_init(void);                     /* this CPU's redistributor and CPU interface */
void gic_enable_private(unsigned intid);    /* an SGI or PPI, on this CPU */
void gic_send_sgi(unsigned sgi, u64 target_hwid);
u32 gic_ack(void);                          /* ICC_IAR1_EL1: the INTID, 1020..1023 if none */
void gic_eoi(u32 intid);
/* The handler for INTID intid, set before the interrupt is enabled; read by the IRQ path. */
void gic_set_handler(unsigned intid, irq_handler_t fn);
irq_handler_t gic_handler(unsigned intid);

/* ---- timer.c: the generic timer's virtual timer ---- */
void arm64_timer_early_init(void);          /* CNTFRQ_EL0 */
int arm64_timer_init(const struct fdt *f);  /* its PPI from the device tree (boot CPU, once) */
void arm64_timer_cpu_init(void);            /* disarmed, its PPI enabled (every CPU) */

/* ---- psci.c: firmware calls (PSCI 1.1, DEN0022) and power-off ---- */
#define PSCI_SUCCESS        0
#define PSCI_ALREADY_ON    -4
void psci_init(const struct fdt *f);        /* conduit (hvc or smc) from /psci "method" */
long psci_cpu_on(u64 hwid, phys_addr_t entry, u64 context);   /* a PSCI status (0: success) */
/* entry.S: SYS_EXIT through semihosting; returns (-EFAULT) only if semihosting is off. */
int arm64_semihost_exit(const u64 block[2]);

#endif
