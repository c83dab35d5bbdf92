/* The x86_64 boot CPU's first C code: console, descriptor tables, CPU features, the TSC, then
 * the multiboot2 information turned into a struct boot_info for kmain(). */
#include "arch/x86_64/x86.h"
#include "boot/boot_info.h"
#include "boot/multiboot2.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"

static struct boot_info x86_boot_info;

/* Linker symbols bounding the loaded image (physical range reserved from the allocator). */
extern char __image_phys_start[], __image_phys_end[];

__noreturn void __init x86_boot(u32 magic, u32 mbi_phys)
{
	struct boot_info *bi = &x86_boot_info;

	percpu_init_areas();   /* first: nothing has written a per-CPU variable yet */
	percpu_bind(0);   /* before anything takes a lock: locks count preemption per CPU */
	x86_console_init();
	x86_cpu_tables_init(0);
	x86_cpu_features_init();
	x86_tsc_calibrate();

	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("x86: not booted by a multiboot2 loader (eax=%#x); use the GRUB image",
		      magic);
	boot_info_add_reserved(bi, 0, 0x100000, "low memory (BIOS data, real-mode area)");
	boot_info_add_reserved(bi, (phys_addr_t)__image_phys_start, (phys_addr_t)__image_phys_end,
			       "kernel image");
	if (multiboot2_parse(bi, (const void *)(DIRECT_MAP_BASE + mbi_phys)) < 0)
		panic("x86: malformed multiboot2 information at %#x", mbi_phys);
	kmain(bi);
}
