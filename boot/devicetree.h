/* Boot information from a flattened device tree: what the firmware hands pseries (and arm64)
 * kernels instead of a multiboot2 structure. */
#ifndef BOOT_DEVICETREE_H
#define BOOT_DEVICETREE_H

#include "boot/boot_info.h"

/* Fill bi from the blob at `blob` (physical address pa, `avail` bytes readable): memory from the
 * device_type "memory" nodes, reservations from /memreserve/, /reserved-memory and the blob
 * itself, the command line from /chosen/bootargs, the initramfs from /chosen linux,initrd-start
 * and -end (reserved; see struct boot_info); bi->fdt = blob. Returns 0, -EINVAL if the
 * header is bad or no memory is described, or -E2BIG if there are more reservations than
 * struct boot_info holds. */
int devicetree_parse(struct boot_info *bi, const void *blob, phys_addr_t pa, size_t avail);

#endif
