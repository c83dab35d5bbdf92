/* The arm64 boot CPU's first C code (head.S calls it with the MMU on, on the boot stack): find
 * the device tree the loader passed in x0, the console it names, the PSCI conduit, then turn the
 * tree into a struct boot_info for kmain(). Every address comes from the device tree; the one
 * fallback (QEMU virt's PL011, for a tree without one) is reported. */
#include "arch/arm64/arm64.h"
#include "boot/devicetree.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/printk.h"

#define FALLBACK_UART 0x09000000   /* QEMU virt's PL011 */

static struct boot_info arm64_boot_info;
struct fdt arm64_fdt;   /* the device tree, checked at boot: platform code reads it later */

/* Linker symbols bounding the loaded image (physical range reserved from the allocator). */
extern char __image_phys_start[], __image_phys_end[];

/* head.S's direct map covers RAM from the image's GiB up to EARLY_MAP_LIMIT. */
static bool early_mapped(phys_addr_t pa, u64 len)
{
	phys_addr_t lo = ALIGN_DOWN((phys_addr_t)(uintptr_t)__image_phys_start, GiB(1));
	return pa >= lo && len <= EARLY_MAP_LIMIT && pa <= EARLY_MAP_LIMIT - len;
}

/* The device tree at x0, checked: its header, then its whole extent, inside the early map. */
static const void *early_fdt(phys_addr_t pa, struct fdt *f)
{
	if (!pa || !early_mapped(pa, 64))
		return NULL;
	const u8 *blob = phys_to_virt(pa);
	u32 size = fdt_be32(blob + 4);   /* totalsize: fdt_open checks it against what is mapped */
	if (fdt_be32(blob) != FDT_MAGIC || !early_mapped(pa, size) || fdt_open(f, blob, size))
		return NULL;
	return blob;
}

/* The node /chosen/stdout-path names, without its ":options" suffix. */
static int stdout_node(const struct fdt *f)
{
	char path[128];
	int chosen = fdt_path(f, "/chosen");
	const char *p = chosen >= 0 ? fdt_prop_string(f, chosen, "stdout-path") : NULL;
	if (!p)
		return -ENOENT;
	size_t n = 0;
	while (p[n] && p[n] != ':' && n + 1 < sizeof(path)) {
		path[n] = p[n];
		n++;
	}
	path[n] = 0;
	return fdt_path(f, path);
}

/* The console: the stdout-path node if it is a PL011, else the first PL011. */
static phys_addr_t find_uart(const struct fdt *f, const char **how)
{
	u64 addr, size;
	int node = stdout_node(f);
	*how = "stdout-path";
	if (node < 0 || !fdt_is_compatible(f, node, "arm,pl011")) {
		node = fdt_find_compatible(f, -1, "arm,pl011");
		*how = "the first arm,pl011 node";
	}
	if (node >= 0 && fdt_reg(f, node, 0, &addr, &size) == 0)
		return addr;
	*how = NULL;
	return FALLBACK_UART;
}

__noreturn void __init arm64_boot(phys_addr_t fdt_pa)
{
	struct boot_info *bi = &arm64_boot_info;
	struct fdt *f = &arm64_fdt;
	const char *uart_how = NULL;

	percpu_init_areas();   /* first: nothing has written a per-CPU variable yet */
	percpu_bind(0);   /* before anything takes a lock: locks count preemption per CPU */
	arm64_timer_early_init();
	const void *fdt = early_fdt(fdt_pa, f);
	phys_addr_t uart = fdt ? find_uart(f, &uart_how) : FALLBACK_UART;
	arm64_console_init(uart);

	printk_raw("\n");
	pr_info("arm64: entered at EL%lu%s, MIDR %#lx, MPIDR %#lx, device tree at %#lx\n",
		(unsigned long)arm64_boot_el, arm64_boot_el == 2 ? " (dropped to EL1)" : "",
		(unsigned long)sysreg_read(midr_el1), (unsigned long)arm64_mpidr(),
		(unsigned long)fdt_pa);
	if (uart_how)
		pr_info("arm64: console: PL011 at %#lx (from %s)\n", (unsigned long)uart, uart_how);
	else
		pr_warn("arm64: console: no PL011 in the device tree; using QEMU virt's at %#lx\n",
			(unsigned long)uart);
	if (!fdt)
		panic("arm64: no valid device tree at x0 = %#lx (boot build/arm64/faultline.bin "
		      "with -kernel: QEMU passes none to an ELF)", (unsigned long)fdt_pa);

	psci_init(f);
	boot_info_add_reserved(bi, (phys_addr_t)(uintptr_t)__image_phys_start,
			       (phys_addr_t)(uintptr_t)__image_phys_end, "kernel image");
	int err = devicetree_parse(bi, fdt, fdt_pa, f->size);
	if (err)
		panic("arm64: device tree at %#lx: %s", (unsigned long)fdt_pa,
		      err == -E2BIG ? "more reservations than boot_info holds"
				    : "malformed, or no memory node");
	kmain(bi);
}
