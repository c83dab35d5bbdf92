/* The ppc64 boot CPU's first C code, called by head.S with translation on: this CPU's area, the
 * exception vectors, then the device tree turned into struct boot_info for kmain(). Boot CPU,
 * once, before anything else runs. */
#include "arch/ppc64/ppc64.h"
#include "boot/devicetree.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/sections.h"
#include "lib/fdt.h"
#include "lib/string.h"

phys_addr_t ppc64_image_phys;
u64 ppc64_tb_freq;
static struct boot_info ppc64_boot_info;

u64 arch_cycle_freq(void) { return ppc64_tb_freq; }

/* The timebase frequency of the first CPU node (Book II, 5.2: the timebase is shared). */
static u64 __init timebase_frequency(const struct fdt *f)
{
	int cpus = fdt_path(f, "/cpus");
	for (int c = cpus >= 0 ? fdt_first_child(f, cpus) : -1; c >= 0;
	     c = fdt_next_sibling(f, c)) {
		const char *type = fdt_prop_string(f, c, "device_type");
		u32 hz;
		if (type && !strcmp(type, "cpu") && fdt_prop_u32(f, c, "timebase-frequency", &hz))
			return hz;
	}
	return 0;
}

__noreturn void __init ppc64_boot(phys_addr_t fdt_pa, phys_addr_t image_phys)
{
	struct boot_info *bi = &ppc64_boot_info;

	percpu_init_areas();   /* first: nothing has written a per-CPU variable yet */
	ppc64_image_phys = image_phys;
	ppc64_cpu_init(0, 0);
	percpu_bind(0);   /* before anything takes a lock: locks count preemption per CPU */
	ppc64_vectors_install();
	ppc64_mmu_cpu_init();

	/* The -bios stub passes the device tree in r3; SLOF and VOF pass none (docs/ppc64.md). */
	const u8 *fdt = (const u8 *)(DIRECT_MAP_BASE + fdt_pa);
	if (fdt_pa == 0 || fdt_pa + 40 > EARLY_MAP_LIMIT || fdt_be32(fdt) != FDT_MAGIC)
		panic("ppc64: no device tree in r3 (%#lx); boot with the -bios stub "
		      "(tools/qemu-run)", fdt_pa);
	u32 size = fdt_be32(fdt + 4);
	if (fdt_pa + size > EARLY_MAP_LIMIT || devicetree_parse(bi, fdt, fdt_pa, size) < 0)
		panic("ppc64: malformed device tree at %#lx", fdt_pa);
	struct fdt f;
	fdt_open(&f, fdt, size);
	ppc64_tb_freq = timebase_frequency(&f);
	if (!ppc64_tb_freq)
		panic("ppc64: no timebase-frequency in /cpus");
	ppc64_rtas_init(fdt);

	boot_info_add_reserved(bi, 0, 0x2000, "exception vectors");
	boot_info_add_reserved(bi, image_phys, arch_image_virt_to_phys((uintptr_t)__image_end),
			       "kernel image");
	kmain(bi);
}
