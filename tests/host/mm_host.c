/* Bring up memblock and the page allocator on fake RAM, the way mm_init() does in the kernel
 * (minus the page tables): a vmemmap with every page reserved, then the free ranges handed over. */
#include "tests/host/mm_host.h"
#include "mm/memblock.h"

struct boot_info host_bi;

void host_mm_init(unsigned long ram_bytes)
{
	host_ram_init(ram_bytes);
	struct boot_info *bi = &host_bi;
	memset(bi, 0, sizeof(*bi));
	/* A map with holes and reserved parts, like a PC's. */
	boot_info_add_memory(bi, 0, 0x9fc00, MEM_AVAILABLE);
	boot_info_add_memory(bi, 0x9fc00, 0x100000, MEM_RESERVED);
	boot_info_add_memory(bi, 0x100000, ram_bytes / 2, MEM_AVAILABLE);
	boot_info_add_memory(bi, ram_bytes / 2, ram_bytes / 2 + 0x123000, MEM_ACPI_RECLAIM);
	boot_info_add_memory(bi, ram_bytes / 2 + 0x123000, ram_bytes - 0x5000, MEM_AVAILABLE);
	boot_info_add_reserved(bi, 0x100000, 0x380000, "kernel image");
	boot_info_add_reserved(bi, 0x400800, 0x401000, "boot module");
	memblock_init(bi);

	unsigned long npages = ram_bytes >> PAGE_SHIFT;
	host_vmemmap = calloc(npages, sizeof(struct page));
	for (unsigned long i = 0; i < npages; i++)
		((struct page *)host_vmemmap)[i].flags = PG_reserved;
}
