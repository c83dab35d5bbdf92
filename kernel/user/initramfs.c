/* The initramfs (initramfs.h): found by the boot code, checked here once. */
#include "kernel/user/initramfs.h"
#include "kernel/user/init.h"
#include "boot/boot_info.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "mm/page.h"

static const void *archive;   /* NULL: none, or refused */
static size_t archive_size;
static phys_addr_t archive_pa;

void __init initramfs_init(const struct boot_info *bi)
{
	const char *why = NULL;
	size_t bad_off = 0;
	unsigned entries, files;

	if (bi->initrd_problem) {
		pr_warn("initramfs: the loader's is not used: %s\n", bi->initrd_problem);
		return;
	}
	if (bi->initrd_end <= bi->initrd_start) {
		pr_info("initramfs: none\n");
		return;
	}
	const void *data = phys_to_virt(bi->initrd_start);
	size_t size = bi->initrd_end - bi->initrd_start;
	if (cpio_count(data, size, &entries, &files, &why, &bad_off) < 0) {
		pr_err("initramfs: %lu bytes at %#lx, malformed at byte %lu: %s; not used\n",
		       (unsigned long)size, (unsigned long)bi->initrd_start, (unsigned long)bad_off,
		       why);
		return;
	}
	archive = data;
	archive_size = size;
	archive_pa = bi->initrd_start;
	pr_info("initramfs: %lu bytes at %#lx, %u files (%u entries)\n", (unsigned long)size,
		(unsigned long)archive_pa, files, entries);
	struct cpio_entry e;
	if (user_init_given() && initramfs_find(user_init_path(), &e))
		pr_warn("initramfs: init=%s is not in it\n", user_init_path());
}

bool initramfs_get(const void **data, size_t *size, phys_addr_t *pa)
{
	if (!archive)
		return false;
	*data = archive;
	*size = archive_size;
	if (pa)
		*pa = archive_pa;
	return true;
}

int initramfs_find(const char *path, struct cpio_entry *e)
{
	if (!archive)
		return -ENOENT;
	return cpio_find(archive, archive_size, path, e, NULL);
}
