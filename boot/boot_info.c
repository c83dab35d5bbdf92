/* Filling struct boot_info. Boot code runs once, before the allocator: overflowing a table is
 * reported and the range dropped (a memory range lost is safer than one overwritten). */
#include "boot/boot_info.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "lib/string.h"

void __init boot_info_add_memory(struct boot_info *bi, phys_addr_t start, phys_addr_t end,
				 u32 type)
{
	if (bi->nr_memmap == BOOT_MAX_RANGES) {
		pr_warn("boot: memory map full, dropping [%#lx-%#lx)\n", start, end);
		return;
	}
	bi->memmap[bi->nr_memmap++] = (struct mem_range){ start, end, type, NULL };
}

void __init boot_info_add_reserved(struct boot_info *bi, phys_addr_t start, phys_addr_t end,
				   const char *name)
{
	if (bi->nr_reserved == BOOT_MAX_RANGES)
		panic_early("boot: too many reserved ranges");
	bi->reserved[bi->nr_reserved++] = (struct mem_range){ start, end, MEM_RESERVED, name };
}

void __init boot_info_set_cmdline(struct boot_info *bi, const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	bi->cmdline_len = n;
	n = MIN(n, sizeof(bi->cmdline) - 1);
	memcpy(bi->cmdline, s, n);
	bi->cmdline[n] = 0;
}

const char *mem_type_name(u32 type)
{
	switch (type) {
	case MEM_AVAILABLE:    return "available";
	case MEM_RESERVED:     return "reserved";
	case MEM_ACPI_RECLAIM: return "ACPI reclaimable";
	case MEM_ACPI_NVS:     return "ACPI NVS";
	case MEM_BAD:          return "bad";
	default:               return "unknown (reserved)";
	}
}
