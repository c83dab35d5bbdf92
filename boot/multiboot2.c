/* Reading the multiboot2 information structure: a u32 total size, a reserved u32, then tags
 * {u32 type, u32 size} each starting 8-byte aligned, ending with a tag of type 0. Everything we
 * keep is copied into struct boot_info; the structure itself is not reserved, the modules are
 * (the first is the initramfs). Compiled for the
 * host too, where tests feed it hand-built and malformed structures. */
#include "boot/multiboot2.h"
#include "kernel/compiler.h"
#include "kernel/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

enum {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_MMAP = 6,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
};

struct mb2_tag {
	u32 type, size;
};

struct mb2_mmap_entry {
	u64 base, len;
	u32 type, reserved;
};

static void copy_string(char *dst, size_t cap, const char *src, size_t max)
{
	size_t n = strnlen(src, max);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

static u32 mb2_type(u32 t)
{
	/* 1 available, 3 ACPI reclaimable, 4 NVS, 5 bad; 2 and anything else is reserved. */
	switch (t) {
	case 1: return MEM_AVAILABLE;
	case 2: return MEM_RESERVED;
	case 3: return MEM_ACPI_RECLAIM;
	case 4: return MEM_ACPI_NVS;
	case 5: return MEM_BAD;
	default: return MEM_OTHER;
	}
}

int multiboot2_parse(struct boot_info *bi, const void *mbi)
{
	const u8 *base = mbi;
	u32 total = *(const u32 *)base;
	u32 off = 8;

	if (total < 16 || total > (1u << 24))
		return -EINVAL;
	while (off + sizeof(struct mb2_tag) <= total) {
		const struct mb2_tag *tag = (const void *)(base + off);
		const u8 *body = (const u8 *)(tag + 1);
		if (tag->size < sizeof(*tag) || tag->size > total - off)
			return -EINVAL;
		u32 len = tag->size - sizeof(*tag);
		switch (tag->type) {
		case MB2_TAG_END:
			return 0;
		case MB2_TAG_CMDLINE:
			boot_info_set_cmdline(bi, (const char *)body, len);
			break;
		case MB2_TAG_LOADER:
			copy_string(bi->loader, sizeof(bi->loader), (const char *)body, len);
			break;
		case MB2_TAG_MODULE: {
			if (len < 8)
				return -EINVAL;
			const u32 *r = (const u32 *)body;
			if (r[1] < r[0])
				return -EINVAL;
			/* The first module is the initramfs (GRUB's module2 line in grub.cfg). */
			bool first = bi->nr_modules == 0;
			if (bi->nr_modules < BOOT_MAX_MODULES) {
				struct boot_module *m = &bi->modules[bi->nr_modules++];
				m->start = r[0];
				m->end = r[1];
				copy_string(m->name, sizeof(m->name), (const char *)(r + 2),
					    len - 8);
			}
			if (first) {
				bi->initrd_start = r[0];
				bi->initrd_end = r[1];
			}
			boot_info_add_reserved(bi, r[0], r[1], first ? "initramfs" : "boot module");
			break;
		}
		case MB2_TAG_MMAP: {
			if (len < 8)
				return -EINVAL;
			u32 esize = ((const u32 *)body)[0];
			if (esize < sizeof(struct mb2_mmap_entry) || esize % 8)
				return -EINVAL;
			snprintf(bi->map_note, sizeof(bi->map_note), "multiboot2 information at (virtual) "
				 "%#lx, %u bytes; memory-map tag at +%u, %u entries of %u bytes",
				 (unsigned long)(uintptr_t)mbi, total, off, (len - 8) / esize,
				 esize);
			for (u32 e = 8; e + esize <= len; e += esize) {
				const struct mb2_mmap_entry *m = (const void *)(body + e);
				if (m->len == 0 || m->base + m->len < m->base)
					continue;
				boot_info_add_memory(bi, m->base, m->base + m->len,
						     mb2_type(m->type));
			}
			break;
		}
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			/* Prefer the ACPI 2.0 copy (tag 15) when both are present. */
			if (tag->type == MB2_TAG_ACPI_NEW || !bi->acpi_rsdp_len) {
				bi->acpi_rsdp_len = MIN(len, (u32)sizeof(bi->acpi_rsdp));
				memcpy(bi->acpi_rsdp, body, bi->acpi_rsdp_len);
			}
			break;
		default:
			break;
		}
		off = ALIGN_UP(off + tag->size, 8u);
	}
	return -EINVAL;   /* ran off the end without an end tag */
}
