/* lib/fdt.c and boot/devicetree.c on the device trees QEMU gives arm64 kernels, and broken copies
 * of them: everything the arm64 port reads (memory, bootargs, stdout-path, the PL011, the GICv3's
 * two regions, the virtual timer's PPI, the PSCI method, the CPUs' MPIDRs). test_fdt.c does the
 * same for pseries.
 *
 * The fixtures in tests/host/fixtures/ were dumped by QEMU 7.2 (Debian 12), then packed with
 * `dtc -I dtb -O dtb` (QEMU pads the blob to 1 MiB); any kernel image will do, e.g.:
 *   qemu-system-aarch64 -M virt,gic-version=3,dumpdtb=virt-a72-smp4-256M.dtb -cpu cortex-a72 \
 *       -m 256M -smp 4 -nographic -kernel any.bin -append test=all
 *   ... dumpdtb=virt-max-smp4-2G.dtb -cpu max -m 2G -smp 4 -append 'test=all note="two words"'
 *   ... -M virt,gic-version=3,virtualization=on,dumpdtb=virt-el2-smp2-512M.dtb -m 512M -smp 2
 * Broken copies sit in buffers of exactly their size, so ASan sees any read past the end. */
#include "tests/host/host.h"
#include "boot/devicetree.h"
#include "kernel/errno.h"
#include "lib/fdt.h"

static u8 *load(const char *name, size_t *size)
{
	char path[128];
	snprintf(path, sizeof(path), "tests/host/fixtures/%s", name);
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		fprintf(stderr, "cannot open %s (run from the top of the tree)\n", path);
		exit(2);
	}
	fseek(fp, 0, SEEK_END);
	*size = (size_t)ftell(fp);
	fseek(fp, 0, SEEK_SET);
	u8 *b = malloc(*size);
	if (fread(b, 1, *size, fp) != *size)
		exit(2);
	fclose(fp);
	return b;
}

static void put32(u8 *p, u32 v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }

/* What the arm64 port looks up, in the order it does; returns how many lookups succeeded. */
static int arm64_lookups(const u8 *blob, size_t size)
{
	struct fdt f;
	if (fdt_open(&f, blob, size))
		return -1;
	int found = 0;
	u64 a, s;
	u32 len, v;
	int chosen = fdt_path(&f, "/chosen");
	const char *out = chosen >= 0 ? fdt_prop_string(&f, chosen, "stdout-path") : NULL;
	int uart = out ? fdt_path(&f, out) : -ENOENT;
	found += uart >= 0 && fdt_is_compatible(&f, uart, "arm,pl011") &&
		 !fdt_reg(&f, uart, 0, &a, &s);
	int gic = fdt_find_compatible(&f, -1, "arm,gic-v3");
	found += gic >= 0 && !fdt_reg(&f, gic, 0, &a, &s) && !fdt_reg(&f, gic, 1, &a, &s);
	found += gic >= 0 && fdt_prop_u32(&f, gic, "#redistributor-regions", &v);
	int timer = fdt_find_compatible(&f, -1, "arm,armv8-timer");
	found += timer >= 0 && fdt_prop(&f, timer, "interrupts", &len) && len >= 36;
	int psci = fdt_path(&f, "/psci");
	found += psci >= 0 && fdt_prop_string(&f, psci, "method") != NULL;
	int cpus = fdt_path(&f, "/cpus");
	int c = cpus >= 0 ? fdt_first_child(&f, cpus) : -ENOENT;
	for (; c >= 0; c = fdt_next_sibling(&f, c)) {
		const char *type = fdt_prop_string(&f, c, "device_type");
		found += type && !strcmp(type, "cpu") && !fdt_reg(&f, c, 0, &a, &s);
	}
	struct boot_info *bi = calloc(1, sizeof(*bi));
	found += devicetree_parse(bi, blob, 0x48000000, size) == 0;
	free(bi);
	return found;
}

static const struct virt {
	const char *file;
	u64 mem;
	unsigned cpus;
	const char *bootargs, *psci_method;
} virts[] = {
	{ "virt-a72-smp4-256M.dtb", 256ull << 20, 4, "test=all", "hvc" },
	{ "virt-max-smp4-2G.dtb", 2ull << 30, 4, "test=all note=\"two words\"", "hvc" },
	{ "virt-el2-smp2-512M.dtb", 512ull << 20, 2, "", "smc" },   /* no -append */
};

static void check_virt(const struct virt *q)
{
	size_t size;
	u8 *b = load(q->file, &size);
	struct fdt f;
	CHECK_EQ(fdt_open(&f, b, size), 0);
	CHECK_EQ(f.size, size);
	int root = fdt_root(&f);

	struct boot_info *bi = calloc(1, sizeof(*bi));
	CHECK_EQ(devicetree_parse(bi, b, 0x48000000, size), 0);
	CHECK_EQ(bi->nr_memmap, 1);
	CHECK_EQ(bi->memmap[0].start, 0x40000000);
	CHECK_EQ(bi->memmap[0].end, 0x40000000 + q->mem);
	CHECK(!strcmp(bi->cmdline, q->bootargs));
	CHECK(!strcmp(bi->loader, "linux,dummy-virt"));
	CHECK_EQ(bi->nr_reserved, 1);   /* no reservations on virt: only the blob itself */
	CHECK_EQ(bi->reserved[0].start, 0x48000000);
	CHECK_EQ(bi->reserved[0].end, 0x48000000 + size);
	free(bi);

	/* The console: stdout-path is an absolute path to the PL011. */
	int chosen = fdt_path(&f, "/chosen");
	const char *out = fdt_prop_string(&f, chosen, "stdout-path");
	CHECK(out && !strcmp(out, "/pl011@9000000"));
	int uart = fdt_path(&f, out);
	CHECK(fdt_is_compatible(&f, uart, "arm,pl011") &&
	      fdt_is_compatible(&f, uart, "arm,primecell"));
	CHECK(!fdt_is_compatible(&f, uart, "arm,pl01"));
	CHECK_EQ(fdt_find_compatible(&f, -1, "arm,pl011"), uart);
	u64 a, s;
	CHECK_EQ(fdt_reg(&f, uart, 0, &a, &s), 0);
	CHECK_EQ(a, 0x9000000);
	CHECK_EQ(s, 0x1000);

	/* GICv3: distributor, one redistributor region; the root's interrupt-parent. */
	int gic = fdt_find_compatible(&f, -1, "arm,gic-v3");
	CHECK_EQ(fdt_reg(&f, gic, 0, &a, &s), 0);
	CHECK(a == 0x8000000 && s == 0x10000);
	CHECK_EQ(fdt_reg(&f, gic, 1, &a, &s), 0);
	CHECK(a == 0x80a0000 && s == 0xf60000);
	CHECK_EQ(fdt_reg(&f, gic, 2, &a, &s), -ENOENT);
	u32 v = 0, ph = 0;
	CHECK(fdt_prop_u32(&f, gic, "#redistributor-regions", &v) && v == 1);
	CHECK(fdt_prop_u32(&f, root, "interrupt-parent", &ph) &&
	      fdt_prop_u32(&f, gic, "phandle", &v));
	CHECK_EQ(ph, v);

	/* Timer: the third of four <type number flags> triples is the virtual timer, PPI 11. */
	u32 len;
	int timer = fdt_find_compatible(&f, -1, "arm,armv8-timer");
	const u8 *irqs = fdt_prop(&f, timer, "interrupts", &len);
	CHECK(irqs && len == 48);
	CHECK(fdt_be32(irqs + 24) == 1 && fdt_be32(irqs + 28) == 11 && fdt_be32(irqs + 32) == 4);

	int psci = fdt_path(&f, "/psci");
	CHECK(fdt_is_compatible(&f, psci, "arm,psci-1.0") &&
	      fdt_is_compatible(&f, psci, "arm,psci-0.2"));
	CHECK(!strcmp(fdt_prop_string(&f, psci, "method"), q->psci_method));
	CHECK(fdt_prop_u32(&f, psci, "cpu_on", &v) && v == 0xc4000003);

	/* CPUs: reg is the MPIDR affinity, one cell, no size. */
	int cpus = fdt_path(&f, "/cpus");
	CHECK_EQ(fdt_address_cells(&f, cpus), 1);
	CHECK_EQ(fdt_size_cells(&f, cpus), 0);
	unsigned n = 0;
	for (int c = fdt_first_child(&f, cpus); c >= 0; c = fdt_next_sibling(&f, c)) {
		const char *type = fdt_prop_string(&f, c, "device_type");
		if (!type)
			continue;   /* cpu-map */
		CHECK(!strcmp(type, "cpu") &&
		      !strcmp(fdt_prop_string(&f, c, "enable-method"), "psci"));
		CHECK_EQ(fdt_reg(&f, c, 0, &a, &s), 0);
		CHECK(a == n && s == 0);
		CHECK_EQ(fdt_parent(&f, c), cpus);
		n++;
	}
	CHECK_EQ(n, q->cpus);
	CHECK_EQ(fdt_path(&f, "/cpus/cpu-map/socket0/cluster0/core0") >= 0, 1);
	CHECK_EQ(arm64_lookups(b, size), 5 + (int)q->cpus + 1);   /* all of them */
	free(b);
}

/* Every truncation and random corruption of a virt blob: errors or answers, never an overread. */
static void check_broken(const char *file)
{
	size_t size;
	u8 *good = load(file, &size);
	for (size_t cut = 0; cut < size; cut++) {
		u8 *t = malloc(cut ? cut : 1);
		memcpy(t, good, cut);
		CHECK_EQ(arm64_lookups(t, cut), -1);   /* the header claims more than there is */
		if (cut >= 40) {
			put32(t + 4, (u32)cut);
			put32(t + 0x24, (u32)cut - MIN((u32)cut, fdt_be32(t + 8)));
			arm64_lookups(t, cut);
		}
		free(t);
	}
	unsigned long rng = 0x9e3779b97f4a7c15ul;
	for (int iter = 0; iter < 2000; iter++) {
		u8 *t = malloc(size);
		memcpy(t, good, size);
		for (int k = 0; k < 1 + iter % 4; k++) {
			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			t[iter % 5 == 0 ? rng % 64 : rng % size] = (u8)(rng >> 32);
		}
		arm64_lookups(t, size);
		free(t);
	}
	free(good);
}

int main(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(virts); i++)
		check_virt(&virts[i]);
	check_broken("virt-a72-smp4-256M.dtb");
	return host_test_done("fdt_virt");
}
