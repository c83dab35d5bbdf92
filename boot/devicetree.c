/* Turning a flattened device tree into struct boot_info (see devicetree.h). Runs once at boot,
 * before any allocator; compiled for the host too, where tests feed it QEMU's blobs and broken
 * ones. Reads only through lib/fdt, which checks every offset. */
#include "boot/devicetree.h"
#include "kernel/compiler.h"
#include "kernel/errno.h"
#include "lib/fdt.h"
#include "lib/string.h"

/* A reservation, unless the table is full: then the blob is refused (a reservation dropped
 * would let the allocator hand out memory that is in use). */
static int reserve(struct boot_info *bi, u64 addr, u64 size, const char *name)
{
	if (size == 0 || addr + size < addr)
		return 0;
	if (bi->nr_reserved >= BOOT_MAX_RANGES - 4)   /* room for the arch's own */
		return -E2BIG;
	boot_info_add_reserved(bi, addr, addr + size, name);
	return 0;
}

static int add_regs(struct boot_info *bi, const struct fdt *f, int node, bool memory,
		    const char *name)
{
	u64 addr, size;
	for (unsigned i = 0; fdt_reg(f, node, i, &addr, &size) == 0; i++) {
		if (!memory) {
			if (reserve(bi, addr, size, name))
				return -E2BIG;
		} else if (size && addr + size > addr) {
			boot_info_add_memory(bi, addr, addr + size, MEM_AVAILABLE);
		}
	}
	return 0;
}

/* The initramfs: /chosen's linux,initrd-start and linux,initrd-end, each one cell (QEMU's
 * pseries writes 32 bits) or two (its arm64 virt writes #address-cells of the root, 2), the
 * range [start, end) in physical memory. One that cannot be used is left out, with the reason
 * in bi->initrd_problem. -E2BIG only if its reservation does not fit. */
static int initrd(struct boot_info *bi, const struct fdt *f, int chosen)
{
	u32 slen, elen;
	const void *s = fdt_prop(f, chosen, "linux,initrd-start", &slen);
	const void *e = fdt_prop(f, chosen, "linux,initrd-end", &elen);
	if (!s && !e)
		return 0;
	if (!s || !e || (slen != 4 && slen != 8) || (elen != 4 && elen != 8)) {
		bi->initrd_problem = "linux,initrd-start/-end: one missing, or not 1 or 2 cells";
		return 0;
	}
	u64 start = fdt_cells(s, slen / 4), end = fdt_cells(e, elen / 4);
	if (end < start) {
		bi->initrd_problem = "linux,initrd-end is below linux,initrd-start";
		return 0;
	}
	if (end == start)
		return 0;   /* an empty initrd: none */
	bi->initrd_start = start;
	bi->initrd_end = end;
	return reserve(bi, start, end - start, "initramfs");
}

int devicetree_parse(struct boot_info *bi, const void *blob, phys_addr_t pa, size_t avail)
{
	struct fdt f;
	if (fdt_open(&f, blob, avail) < 0)
		return -EINVAL;
	int root = fdt_root(&f);
	if (root < 0)
		return -EINVAL;

	/* Memory: every child of the root with device_type "memory" (Devicetree spec 3.4). */
	unsigned before = bi->nr_memmap;
	for (int n = fdt_first_child(&f, root); n >= 0; n = fdt_next_sibling(&f, n)) {
		const char *type = fdt_prop_string(&f, n, "device_type");
		if (type && !strcmp(type, "memory"))
			add_regs(bi, &f, n, true, NULL);
	}
	if (bi->nr_memmap == before)
		return -EINVAL;

	u64 addr, size;
	for (unsigned i = 0; fdt_memreserve(&f, i, &addr, &size) == 0; i++)
		if (reserve(bi, addr, size, "/memreserve/"))
			return -E2BIG;
	int rm = fdt_path(&f, "/reserved-memory");
	for (int n = rm >= 0 ? fdt_first_child(&f, rm) : -ENOENT; n >= 0;
	     n = fdt_next_sibling(&f, n))
		if (add_regs(bi, &f, n, false, "/reserved-memory"))
			return -E2BIG;
	if (reserve(bi, pa, f.size, "device tree"))
		return -E2BIG;

	int chosen = fdt_path(&f, "/chosen");
	u32 len;
	const char *args = chosen >= 0 ? fdt_prop(&f, chosen, "bootargs", &len) : NULL;
	if (args)
		boot_info_set_cmdline(bi, args, len);
	if (chosen >= 0 && initrd(bi, &f, chosen))
		return -E2BIG;
	const char *model = fdt_prop_string(&f, root, "model");
	strlcpy(bi->loader, model ? model : "device tree", sizeof(bi->loader));
	bi->fdt = blob;
	return 0;
}
