/* arm64 virtual memory layout: 4 KiB granule, 48-bit virtual addresses, 4 levels. TTBR1_EL1
 * translates the upper half (0xffff...), TTBR0_EL1 the lower half. Included by C, assembly and
 * (through cpp) linker.ld, so it holds plain constants only.
 *
 *   0x0000000000000000 - 0x0000ffffffffffff   TTBR0: user address spaces (later), with ASIDs;
 *                                             the boot identity map until mm_init, then an empty
 *                                             table (reserved ASID 0)
 *   0xffff000000000000 + 64 TiB               direct map of RAM (level-3 slots 0..127)
 *   0xffff400000000000 + 1 TiB                kernel stacks, each above an unmapped guard page
 *   0xffff500000000000 + 1 TiB                device (MMIO) mappings
 *   0xffff600000000000 + 1 TiB                vmemmap: struct page for every frame
 *   0xffffffff80000000 + 1 GiB - 2 MiB        the kernel image, at KERNEL_VIRT_BASE + physical
 *                                             (QEMU virt loads it at 0x40080000, so it runs
 *                                             at 0xffffffffc0080000)
 *   0xffffffffffe00000 + 2 MiB                fixmap: device pages needed before mmio_map works
 *                                             (the boot console), at the same address in the boot
 *                                             tables and the kernel's
 */
#ifndef ARCH_ARM64_LAYOUT_H
#define ARCH_ARM64_LAYOUT_H

#define KERNEL_ENTRY       _start              /* head.S: the Image header's first instruction */
#define TEXT_OFFSET        0x80000             /* Image header: load at a 2 MiB boundary + this */
#define KERNEL_LOAD_PHYS   0x40080000          /* QEMU virt: RAM base 0x40000000 + TEXT_OFFSET */
#define KERNEL_VIRT_BASE   0xffffffff80000000  /* virtual address of physical 0 for the image */
#define DIRECT_MAP_BASE    0xffff000000000000
#define KSTACK_AREA_BASE   0xffff400000000000
#define KSTACK_AREA_SIZE   0x0000010000000000
#define MMIO_AREA_BASE     0xffff500000000000
#define MMIO_AREA_SIZE     0x0000010000000000
#define VMEMMAP_BASE       0xffff600000000000
#define FIXMAP_BASE        0xffffffffffe00000
#define EARLY_MAP_LIMIT    0x100000000         /* head.S maps RAM up to 4 GiB (see there) */

#define BOOT_STACK_SIZE    16384

#define MAX_CPUS           64                  /* linker.ld reserves a per-CPU copy for each */

#endif
