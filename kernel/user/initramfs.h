/* The initramfs: the newc cpio archive the loader put in memory (boot/boot_info.h says where
 * each loader's comes from). Its pages are reserved from boot on and never freed or written; it
 * is read through the direct map. Set once by initramfs_init() before other CPUs start. */
#ifndef KERNEL_USER_INITRAMFS_H
#define KERNEL_USER_INITRAMFS_H

#include "lib/cpio.h"

struct boot_info;

/* kmain, after mm_init: check the archive and print one line, "initramfs: N bytes at PA, M
 * files", or why there is none or it is not used (a malformed archive is reported and left
 * out; the boot goes on, as Linux's does). */
void initramfs_init(const struct boot_info *bi);

/* The archive through the direct map and its physical address; false if there is none. */
bool initramfs_get(const void **data, size_t *size, phys_addr_t *pa);

/* The entry at path ("/init", "init" and "./init" alike): 0, -ENOENT (or no initramfs), or
 * -EINVAL (cannot happen once initramfs_init accepted the archive). */
int initramfs_find(const char *path, struct cpio_entry *e);

#endif
