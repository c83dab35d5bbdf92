/* ppc64 (pseries, radix MMU) virtual memory layout. Included by C, assembly and (through cpp)
 * linker.ld, so it holds plain constants only.
 *
 * The kernel lives in quadrant 3 (effective addresses 0xc...), translated through process-table
 * entry 0 by a 4-level radix tree that covers 52 bits (Power ISA 3.0B, Book III, 5.7.6):
 *
 *   0xc000000000000000 + 64 TiB   direct map of RAM. With translation off the CPU ignores the top
 *                                 four address bits, so these addresses also work in real mode:
 *                                 exception stubs use them to reach the per-CPU area.
 *   0xc001000000000000 + 1 TiB    kernel stacks, each above an unmapped guard page
 *   0xc002000000000000 + 1 TiB    device (MMIO) mappings
 *   0xc003000000000000 + 1 TiB    vmemmap: struct page for every frame
 *   0xc008000000000000 + 1 GiB    the kernel image, at the offset QEMU loaded it at plus 0
 *
 * Quadrant 0 (user, later) is translated through the process-table entry named by PIDR.
 */
#ifndef ARCH_PPC64_LAYOUT_H
#define ARCH_PPC64_LAYOUT_H

#define KERNEL_ENTRY       _start              /* head.S: the first byte of the image */
#define KERNEL_LOAD_PHYS   0                   /* link-time physical base; QEMU adds 0x400000 */
#define KERNEL_VIRT_BASE   0xc008000000000000  /* image offset 0 (KERNEL_LOAD_PHYS) */
#define DIRECT_MAP_BASE    0xc000000000000000
#define KSTACK_AREA_BASE   0xc001000000000000
#define KSTACK_AREA_SIZE   0x0000010000000000
#define MMIO_AREA_BASE     0xc002000000000000
#define MMIO_AREA_SIZE     0x0000010000000000
#define VMEMMAP_BASE       0xc003000000000000
#define EARLY_MAP_GIB      64                  /* head.S maps the first 64 GiB with 1 GiB leaves */
#define EARLY_MAP_LIMIT    0x1000000000
#define EARLY_IMAGE_2M     16                  /* and 32 MiB of image with 2 MiB leaves */

#define BOOT_STACK_SIZE    16384
#define EMERGENCY_STACK_SIZE 8192              /* per CPU, for traps on an overflowed stack */
#define KSTACK_SLOT_SIZE   (5 * 4096)          /* mm/vmap.h's KSTACK_SIZE + guard (checked) */

#define BOOT_IMAGE_MAP_END (KERNEL_LOAD_PHYS + EARLY_IMAGE_2M * 0x200000)   /* head.S */
#define MAX_CPUS           64                  /* linker.ld reserves a per-CPU copy for each */

#endif
