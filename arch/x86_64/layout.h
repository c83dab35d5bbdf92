/* x86_64 virtual memory layout. Included by C, assembly and (through cpp) linker.ld, so it holds
 * plain constants only.
 *
 *   0x0000000000000000 - 0x00007fffffffffff   user (later); the boot identity map lives here
 *                                             only until mm_init() loads the kernel's own root
 *   0xffff800000000000 + 64 TiB               direct map of RAM (PML4 slots 256..383)
 *   0xffffc00000000000 + 1 TiB                kernel stacks, each above an unmapped guard page
 *                                             (mm/vmap.c: stacks grow down into it)
 *   0xffffd00000000000 + 1 TiB                device (MMIO) mappings
 *   0xffffe00000000000 + 1 TiB                vmemmap: struct page for every frame
 *   0xffffffff80000000 + 1 GiB                the kernel image (-mcmodel=kernel)
 */
#ifndef ARCH_X86_64_LAYOUT_H
#define ARCH_X86_64_LAYOUT_H

#define KERNEL_ENTRY       _start32            /* boot.S: GRUB enters in 32-bit mode */
#define KERNEL_LOAD_PHYS   0x100000            /* GRUB loads the image at 1 MiB */
#define KERNEL_VIRT_BASE   0xffffffff80000000  /* virtual address of physical 0 for the image */
#define DIRECT_MAP_BASE    0xffff800000000000
#define KSTACK_AREA_BASE   0xffffc00000000000
#define KSTACK_AREA_SIZE   0x0000010000000000
#define MMIO_AREA_BASE     0xffffd00000000000
#define MMIO_AREA_SIZE     0x0000010000000000
#define VMEMMAP_BASE       0xffffe00000000000
#define EARLY_MAP_LIMIT    0x100000000         /* boot.S maps the first 4 GiB */

#define BOOT_STACK_SIZE    16384

#define BOOT_IMAGE_MAP_END 0x40000000          /* boot.S maps the image's first GiB high */
#define MAX_CPUS           64                  /* linker.ld reserves a per-CPU copy for each */

#endif
