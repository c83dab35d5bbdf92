/* boot/multiboot2.c on hand-built information structures, good and malformed. */
#include "tests/host/host.h"
#include "boot/multiboot2.h"
#include "kernel/errno.h"

static u8 buf[4096] __attribute__((aligned(8)));
static u32 pos;

static void *tag(u32 type, u32 size)
{
	u32 *t = (u32 *)(buf + pos);
	t[0] = type;
	t[1] = size;
	pos = ALIGN_UP(pos + size, 8u);
	return t + 2;
}

static void begin(void) { memset(buf, 0, sizeof(buf)); pos = 8; }
static void end(void) { tag(0, 8); ((u32 *)buf)[0] = pos; }

static void add_mmap(int n)
{
	u32 *m = tag(6, 16 + 24 * n);
	m[0] = 24;
	m[1] = 0;
	u64 *e = (u64 *)(m + 2);
	for (int i = 0; i < n; i++, e += 3) {
		e[0] = 0x100000ull * (u64)(i + 1);
		e[1] = 0x80000;
		e[2] = i == 0 ? 1 : i == 1 ? 20 : 3;   /* available, GRUB's type 20, ACPI */
	}
}

int main(void)
{
	struct boot_info *bi = calloc(1, sizeof(*bi));

	begin();
	strcpy(tag(1, 8 + 15), "test=all a=\"b\"");
	strcpy(tag(2, 8 + 5), "GRUB");
	add_mmap(3);
	u32 *mod = tag(3, 8 + 8 + 4);
	mod[0] = 0x200000, mod[1] = 0x201000;
	strcpy((char *)(mod + 2), "ird");
	u8 *rsdp = tag(14, 8 + 20);
	memcpy(rsdp, "RSD PTR ", 8);
	end();
	CHECK_EQ(multiboot2_parse(bi, buf), 0);
	CHECK(!strcmp(bi->cmdline, "test=all a=\"b\""));
	CHECK(!strcmp(bi->loader, "GRUB"));
	CHECK_EQ(bi->nr_memmap, 3);
	CHECK_EQ(bi->memmap[0].type, MEM_AVAILABLE);
	CHECK_EQ(bi->memmap[1].type, MEM_OTHER);
	CHECK_EQ(bi->memmap[2].type, MEM_ACPI_RECLAIM);
	CHECK_EQ(bi->memmap[1].end - bi->memmap[1].start, 0x80000);
	CHECK_EQ(bi->nr_modules, 1);
	CHECK(!strcmp(bi->modules[0].name, "ird"));
	CHECK_EQ(bi->nr_reserved, 1);
	/* The first module is the initramfs (GRUB's module2 line), reserved as such. */
	CHECK_EQ(bi->initrd_start, 0x200000);
	CHECK_EQ(bi->initrd_end, 0x201000);
	CHECK(!strcmp(bi->reserved[0].name, "initramfs"));
	CHECK_EQ(bi->acpi_rsdp_len, 20);
	CHECK(!memcmp(bi->acpi_rsdp, "RSD PTR ", 8));

	/* A command line longer than the kernel keeps: its start is kept, its length reported;
	 * one that just fits is whole. */
	for (u32 len = BOOT_CMDLINE_MAX - 1; len <= BOOT_CMDLINE_MAX + 1000; len += 1001) {
		memset(bi, 0, sizeof(*bi));
		begin();
		char *line = tag(1, 8 + len + 1);
		memset(line, 'x', len);
		line[len] = 0;
		line[0] = 'y';
		end();
		CHECK_EQ(multiboot2_parse(bi, buf), 0);
		CHECK_EQ(bi->cmdline_len, len);
		CHECK_EQ(strlen(bi->cmdline), BOOT_CMDLINE_MAX - 1);
		CHECK_EQ(bi->cmdline[0], 'y');
	}

	/* Malformed: each returns -EINVAL without reading past the structure (ASan watches). */
	memset(bi, 0, sizeof(*bi));
	begin(); end(); ((u32 *)buf)[0] = 8;
	CHECK_EQ(multiboot2_parse(bi, buf), -EINVAL);          /* too small */
	begin(); tag(1, 9); ((u32 *)buf)[0] = pos;              /* no end tag */
	CHECK_EQ(multiboot2_parse(bi, buf), -EINVAL);
	begin(); tag(1, 4000); end(); ((u32 *)buf)[0] = 64;     /* tag overruns total */
	CHECK_EQ(multiboot2_parse(bi, buf), -EINVAL);
	begin(); tag(1, 4); end();                              /* tag smaller than its header */
	CHECK_EQ(multiboot2_parse(bi, buf), -EINVAL);
	begin(); { u32 *m = tag(6, 16 + 24); m[0] = 20; } end(); /* bad entry size */
	CHECK_EQ(multiboot2_parse(bi, buf), -EINVAL);
	begin(); { u32 *m = tag(3, 16); m[0] = 0x5000; m[1] = 0x4000; } end();  /* ends first */
	CHECK_EQ(multiboot2_parse(bi, buf), -EINVAL);
	free(bi);
	return host_test_done("multiboot2");
}
