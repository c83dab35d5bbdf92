/* Starting application processors (INIT-SIPI-SIPI, Intel SDM vol. 3A, 8.4.4) and what each runs
 * before generic code: its own descriptor tables, per-CPU pointer, kernel page tables and local
 * APIC. Also the platform set-up on the boot CPU and new threads' initial stacks. */
#include "arch/x86_64/pcid.h"
#include "arch/x86_64/smpboot.h"
#include "arch/x86_64/x86.h"
#include "mm/mm.h"
#include "boot/boot_info.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "mm/kernel_map.h"
#include "mm/page.h"

extern const char trampoline_start[], trampoline_end[];
extern const char tramp_cr3[], tramp_entry[], tramp_boots[], tramp_nr_boots[];
extern char x86_thread_trampoline[];

static __noreturn void x86_ap_entry(struct cpu_start *s);

/* Tables for the climb to 64-bit: low 2 MiB identity plus the kernel's upper half. Kept in the
 * image so they sit below 4 GiB, where a 32-bit CR3 can point. A late AP may still walk them
 * while the next start refreshes the upper half: that only adds entries, never removes one. */
static pte_t tramp_pml4[512] __aligned(4096);
static pte_t tramp_pdpt[512] __aligned(4096);
static pte_t tramp_pd[512] __aligned(4096);
static bool trampoline_ready;

/* What an AP looks up by its APIC id (trampoline.S reads the three words by offset). Record i is
 * filled in before x86_nr_ap_boots counts it, and neither changes again: an AP that answers after
 * the boot CPU gave up on it still finds its own stack and start record. */
struct x86_ap_boot {
	u64 hwid;
	u64 stack_top;
	struct cpu_start *start;
};
STATIC_ASSERT(sizeof(struct x86_ap_boot) == 24,
	      "trampoline.S steps through them 24 bytes at a time");
static struct x86_ap_boot x86_ap_boots[MAX_CPUS];
static u32 x86_nr_ap_boots;

static void set_param(const char *sym, u64 v)
{
	*(u64 *)phys_to_virt(TRAMPOLINE_PHYS + (sym - trampoline_start)) = v;
}

static void __init trampoline_install(void)
{
	memcpy(phys_to_virt(TRAMPOLINE_PHYS), trampoline_start,
	       (size_t)(trampoline_end - trampoline_start));
	tramp_pd[0] = pte_mk_leaf(0, MMU_READ | MMU_WRITE | MMU_EXEC, 1);
	tramp_pdpt[0] = pte_mk_table(arch_image_virt_to_phys((uintptr_t)tramp_pd));
	tramp_pml4[0] = pte_mk_table(arch_image_virt_to_phys((uintptr_t)tramp_pdpt));
	set_param(tramp_cr3, arch_image_virt_to_phys((uintptr_t)tramp_pml4));
	set_param(tramp_entry, (u64)x86_ap_entry);
	set_param(tramp_boots, (u64)x86_ap_boots);
	set_param(tramp_nr_boots, (u64)&x86_nr_ap_boots);
	trampoline_ready = true;
}

/* The trampoline jumps here on the stack of s, with interrupts off and its own page tables. */
static __noreturn void x86_ap_entry(struct cpu_start *s)
{
	unsigned cpu = smp_secondary_arrive(s);   /* parks if the boot CPU has given up on us */
	arch_mmu_switch(&init_mm);   /* drop the trampoline's identity map */
	percpu_bind(cpu);
	x86_cpu_tables_init(cpu);
	x86_cpu_features_init();
	x86_pcid_init_cpu();
	lapic_init_this_cpu();
	secondary_entry(cpu);
}

__noreturn void arch_cpu_park(struct cpu_start *s)
{
	(void)s;
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

int arch_cpu_prepare(struct cpu_start *s)
{
	if (x86_nr_ap_boots == MAX_CPUS)
		return -ENOSPC;
	if (!trampoline_ready)
		trampoline_install();
	/* The kernel half as it is now (the new CPU's stack may sit in a slot added since). */
	const pte_t *kroot = phys_to_virt(kernel_pt_root);
	for (int i = 256; i < 512; i++)
		WRITE_ONCE(tramp_pml4[i], kroot[i]);
	x86_ap_boots[x86_nr_ap_boots] = (struct x86_ap_boot){ s->hwid, (u64)s->stack_top, s };
	smp_store_release(&x86_nr_ap_boots, x86_nr_ap_boots + 1);
	return 0;
}

int arch_cpu_kick(struct cpu_start *s)
{
	arch_mb();   /* the record and the tables before the AP can run */
	lapic_send_init((u32)s->hwid);
	x86_udelay(10000);
	lapic_send_sipi((u32)s->hwid, TRAMPOLINE_PHYS >> 12);
	x86_udelay(200);
	lapic_send_sipi((u32)s->hwid, TRAMPOLINE_PHYS >> 12);
	return 0;
}

void __init arch_platform_init(struct boot_info *bi)
{
	u64 ids[BOOT_MAX_CPUS];
	x86_pcid_init_boot();   /* after the boot parameters (mm.pcid), before the APs start */
	lapic_init_boot();
	cpu_block(0)->hwid = lapic_id();
	bi->nr_cpus = acpi_find_cpus(bi->acpi_rsdp, bi->acpi_rsdp_len, lapic_id(), ids,
				     MIN((unsigned)BOOT_MAX_CPUS, (unsigned)MAX_CPUS));
	for (unsigned i = 0; i < bi->nr_cpus; i++)
		bi->cpus[i].hwid = ids[i];
}

u64 arch_cpu_hwid(void) { return lapic_id(); }

void arch_percpu_set(struct percpu *pc) { x86_wrmsr(MSR_GS_BASE, (u64)pc); }

void *arch_thread_stack_init(void *stack_top, void (*entry)(void *), void *arg)
{
	u64 *sp = stack_top;
	*--sp = 0;                          /* return address of entry: ends backtraces */
	*--sp = (u64)arg;
	*--sp = (u64)entry;
	*--sp = (u64)x86_thread_trampoline; /* where arch_context_switch "returns" */
	for (int i = 0; i < 6; i++)
		*--sp = 0;                  /* rbp, rbx, r12-r15 */
	return sp;
}
