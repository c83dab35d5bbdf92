/* struct boot_info: everything the boot protocol tells generic code, copied out of the
 * firmware's structures before any memory is allocated, so none of them must survive. */
#ifndef BOOT_BOOT_INFO_H
#define BOOT_BOOT_INFO_H

#include "kernel/types.h"

#define BOOT_MAX_RANGES  128
#define BOOT_MAX_MODULES 8
#define BOOT_CMDLINE_MAX 2048
#define BOOT_MAX_CPUS    64

enum mem_type {
	MEM_AVAILABLE = 1,   /* ordinary RAM: the only type the allocator may use */
	MEM_RESERVED,
	MEM_ACPI_RECLAIM,
	MEM_ACPI_NVS,
	MEM_BAD,
	MEM_OTHER,           /* a type the firmware used that we do not know: reserved */
};

struct mem_range {
	phys_addr_t start, end;   /* [start, end) */
	u32 type;                 /* enum mem_type */
	const char *name;         /* for reserved ranges: who owns it */
};

struct boot_module {
	phys_addr_t start, end;
	char name[64];
};

struct boot_info {
	struct mem_range memmap[BOOT_MAX_RANGES];    /* the firmware's map, as given */
	unsigned nr_memmap;
	struct mem_range reserved[BOOT_MAX_RANGES];  /* parts of RAM already in use */
	unsigned nr_reserved;
	struct boot_module modules[BOOT_MAX_MODULES];
	unsigned nr_modules;
	/* The initramfs the loader gave (x86_64: the first multiboot2 module; arm64, ppc64: the
	 * device tree's /chosen linux,initrd-start and -end), reserved; both 0 if none. When the
	 * loader described one that cannot be used, initrd_problem says why. */
	phys_addr_t initrd_start, initrd_end;
	const char *initrd_problem;
	char cmdline[BOOT_CMDLINE_MAX];
	size_t cmdline_len;        /* the loader's command line's whole length: longer than
	                            * BOOT_CMDLINE_MAX - 1, cmdline holds only its start */
	char loader[64];
	char map_note[128];        /* where the map came from, for a report of a strange one
	                            * (x86_64: the multiboot2 information's address and size, the
	                            * memory-map tag's) */
	u8 acpi_rsdp[64];          /* a copy of the ACPI RSDP, if the loader gave one */
	unsigned acpi_rsdp_len;
	const void *fdt;           /* device tree, on arches that have one */
	unsigned nr_cpus;          /* filled in by arch_platform_init; the boot CPU is cpus[0] */
	struct boot_cpu {
		u64 hwid;          /* APIC id, MPIDR affinity, or POWER interrupt-server number */
	} cpus[BOOT_MAX_CPUS];
};

void boot_info_add_memory(struct boot_info *bi, phys_addr_t start, phys_addr_t end, u32 type);
void boot_info_add_reserved(struct boot_info *bi, phys_addr_t start, phys_addr_t end,
			    const char *name);
/* The command line, at most max bytes at s (NUL-terminated or not): keep what fits in
 * bi->cmdline and the whole length in bi->cmdline_len, so that kmain can refuse a line cut
 * short instead of reading its last word as a parameter. */
void boot_info_set_cmdline(struct boot_info *bi, const char *s, size_t max);
const char *mem_type_name(u32 type);

#endif
