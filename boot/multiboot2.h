/* Multiboot2 boot information (the Multiboot2 specification, "Boot information format"). */
#ifndef BOOT_MULTIBOOT2_H
#define BOOT_MULTIBOOT2_H

#include "boot/boot_info.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289

/* Copy the tags of the information structure at mbi into bi. Returns 0, or -EINVAL if the
 * structure is malformed (sizes that overrun, a missing end tag). */
int multiboot2_parse(struct boot_info *bi, const void *mbi);

#endif
