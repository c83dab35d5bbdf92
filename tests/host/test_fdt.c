/* lib/fdt.c and boot/devicetree.c on real device trees (dumped by QEMU's pseries machine with
 * dumpdtb=, see tests/host/fixtures/README) and on broken ones: truncated, corrupted at random and
 * hand-built with one defect each. Broken blobs must give errors, never a read outside the blob
 * (each is copied into a buffer of exactly its size, so ASan sees any overrun). */
#include "tests/host/host.h"
#include "boot/devicetree.h"
#include "kernel/errno.h"
#include "lib/fdt.h"

static u8 *load(const char *path, size_t *size)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		fprintf(stderr, "cannot open %s (run from the top of the tree)\n", path);
		exit(2);
	}
	static u8 tmp[1 << 20];
	*size = fread(tmp, 1, sizeof(tmp), fp);
	fclose(fp);
	u8 *b = malloc(*size);
	memcpy(b, tmp, *size);
	return b;
}

static void put32(u8 *p, u32 v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }

/* Touch everything a kernel could ask of a blob; return the number of nodes seen. */
static int walk_all(const void *blob, size_t size)
{
	struct fdt f;
	if (fdt_open(&f, blob, size) < 0)
		return -1;
	int nodes = 0, depth = 0;
	for (int n = fdt_root(&f); n >= 0 && nodes < 100000; n = fdt_next_node(&f, n, &depth)) {
		nodes++;
		const char *name = fdt_node_name(&f, n);
		CHECK(name != NULL);
		int cookie = 0;
		const char *pn;
		u32 len;
		volatile u8 sink = 0;
		for (const u8 *v; (v = fdt_next_prop(&f, n, &cookie, &pn, &len));)
			for (u32 i = 0; i < len; i++)
				sink ^= v[i];
		(void)sink;
		u64 a, s;
		fdt_reg(&f, n, 0, &a, &s);
		fdt_parent(&f, n);
		fdt_is_compatible(&f, n, "IBM,ppc-xicp");
		fdt_prop_string(&f, n, "device_type");
		for (int c = fdt_first_child(&f, n); c >= 0; c = fdt_next_sibling(&f, c))
			;
	}
	u64 a, s;
	for (unsigned i = 0; fdt_memreserve(&f, i, &a, &s) == 0; i++)
		;
	fdt_path(&f, "/cpus/PowerPC,POWER9@0");
	fdt_find_compatible(&f, -1, "hvterm1");
	struct boot_info *bi = calloc(1, sizeof(*bi));
	devicetree_parse(bi, blob, 0x1000000, size);
	free(bi);
	return nodes;
}

static void check_pseries(const char *path, const char *cpu, unsigned ncpus, u64 ram)
{
	size_t size;
	u8 *b = load(path, &size);
	struct fdt f;
	CHECK_EQ(fdt_open(&f, b, size), 0);
	CHECK_EQ(fdt_open(&f, b, 39), -EINVAL);
	CHECK_EQ(fdt_open(&f, b, size - 1), -EINVAL);   /* totalsize beyond what we may read */
	CHECK_EQ(fdt_open(&f, b, size), 0);
	CHECK_EQ(f.size, size);
	CHECK_EQ(f.boot_cpuid, 0);
	int root = fdt_root(&f);
	CHECK(root >= 0);
	CHECK(!strcmp(fdt_node_name(&f, root), ""));
	CHECK_EQ(fdt_path(&f, "/"), root);
	CHECK_EQ(fdt_address_cells(&f, root), 2);
	CHECK_EQ(fdt_size_cells(&f, root), 2);

	int cpus = fdt_path(&f, "/cpus");
	CHECK(cpus >= 0);
	CHECK_EQ(fdt_parent(&f, cpus), root);
	CHECK_EQ(fdt_parent(&f, root), -ENOENT);
	unsigned n = 0;
	for (int c = fdt_first_child(&f, cpus); c >= 0; c = fdt_next_sibling(&f, c), n++) {
		char want[32];
		snprintf(want, sizeof(want), "PowerPC,%s@%u", cpu, n);
		CHECK(!strcmp(fdt_node_name(&f, c), want));
		CHECK_EQ(fdt_parent(&f, c), cpus);
		CHECK(!strcmp(fdt_prop_string(&f, c, "device_type"), "cpu"));
		u32 v;
		CHECK(fdt_prop_u32(&f, c, "reg", &v));
		CHECK_EQ(v, n);
		CHECK(fdt_prop_u32(&f, c, "ibm,ppc-interrupt-server#s", &v));
		CHECK_EQ(v, n);
		CHECK(fdt_prop_u32(&f, c, "timebase-frequency", &v));
		CHECK_EQ(v, 512000000);
		u64 a, s;
		CHECK_EQ(fdt_reg(&f, c, 0, &a, &s), 0);   /* #size-cells 0 */
		CHECK_EQ(a, n);
		CHECK_EQ(s, 0);
		CHECK_EQ(fdt_reg(&f, c, 1, &a, &s), -ENOENT);
	}
	CHECK_EQ(n, ncpus);
	char path0[48];
	snprintf(path0, sizeof(path0), "/cpus/PowerPC,%s@0", cpu);
	CHECK_EQ(fdt_path(&f, path0), fdt_first_child(&f, cpus));
	CHECK_EQ(fdt_path(&f, "/cpus/PowerPC,POWER9@7"), -ENOENT);
	CHECK_EQ(fdt_path(&f, "/nosuch/node"), -ENOENT);
	CHECK_EQ(fdt_path(&f, "cpus"), -EINVAL);

	int rtas = fdt_path(&f, "/rtas");
	u32 tok;
	CHECK(fdt_prop_u32(&f, rtas, "power-off", &tok) && tok == 0x2003);
	CHECK(fdt_prop_u32(&f, rtas, "start-cpu", &tok) && tok == 0x2006);
	CHECK(fdt_prop_u32(&f, rtas, "ibm,os-term", &tok) && tok == 0x201f);
	CHECK(!fdt_prop_u32(&f, rtas, "no-such-service", &tok));
	u32 len = 1;
	CHECK(fdt_prop(&f, rtas, "ibm,extended-os-term", &len) != NULL);   /* empty value */
	CHECK_EQ(len, 0);

	int xics = fdt_find_compatible(&f, -1, "IBM,ppc-xicp");
	CHECK(xics >= 0 && !strcmp(fdt_node_name(&f, xics), "interrupt-controller"));
	CHECK_EQ(fdt_find_compatible(&f, xics, "IBM,ppc-xicp"), -ENOENT);
	int vty = fdt_path(&f, "/vdevice/vty@71000000");
	CHECK(vty >= 0 && fdt_is_compatible(&f, vty, "hvterm1") &&
	      !fdt_is_compatible(&f, vty, "hvterm"));
	CHECK_EQ(fdt_find_compatible(&f, -1, "hvterm1"), vty);

	int mem = fdt_subnode(&f, root, "memory");
	CHECK(mem >= 0 && !strcmp(fdt_node_name(&f, mem), "memory@0"));
	CHECK_EQ(fdt_subnode(&f, root, "memory@0"), mem);
	CHECK_EQ(fdt_subnode(&f, root, "memory@1"), -ENOENT);
	CHECK_EQ(fdt_subnode(&f, root, "mem"), -ENOENT);
	u64 a, s;
	CHECK_EQ(fdt_reg(&f, mem, 0, &a, &s), 0);
	CHECK_EQ(a, 0);
	CHECK_EQ(s, ram);
	CHECK_EQ(fdt_memreserve(&f, 0, &a, &s), 0);   /* QEMU reserves the loaded kernel */
	CHECK_EQ(a, 0x400000);
	CHECK_EQ(fdt_memreserve(&f, 1, &a, &s), -ENOENT);

	struct boot_info *bi = calloc(1, sizeof(*bi));
	strcpy(bi->cmdline, "stale");
	CHECK_EQ(devicetree_parse(bi, b, 0x3fe00000, size), 0);
	CHECK_EQ(bi->nr_memmap, 1);
	CHECK_EQ(bi->memmap[0].start, 0);
	CHECK_EQ(bi->memmap[0].end, ram);
	CHECK_EQ(bi->memmap[0].type, MEM_AVAILABLE);
	CHECK_EQ(bi->nr_reserved, 2);
	CHECK_EQ(bi->reserved[0].start, 0x400000);
	CHECK_EQ(bi->reserved[1].start, 0x3fe00000);
	CHECK_EQ(bi->reserved[1].end, 0x3fe00000 + size);
	CHECK(!strcmp(bi->cmdline, "test=all console.x=\"a b\""));
	CHECK(!strcmp(bi->loader, "IBM pSeries (emulated by qemu)"));
	CHECK(bi->fdt == b);
	free(bi);

	/* Every truncation, with the header still claiming the full size (refused) and with the
	 * header's sizes cut to match (accepted or not, but never read past the end). */
	for (size_t cut = 0; cut < size; cut += cut < 128 ? 1 : 53) {
		u8 *t = malloc(cut ? cut : 1);
		memcpy(t, b, cut);
		CHECK(walk_all(t, cut) < 0);
		if (cut >= 40) {
			put32(t + 4, (u32)cut);
			put32(t + 0x24, (u32)cut - MIN((u32)cut, fdt_be32(t + 8)));
			walk_all(t, cut);
		}
		free(t);
	}
	/* Random corruption of one to four bytes, the header included. */
	unsigned long rng = 0x2545f4914f6cdd1dul;
	for (int iter = 0; iter < 1500; iter++) {
		u8 *t = malloc(size);
		memcpy(t, b, size);
		for (int k = 0; k < 1 + iter % 4; k++) {
			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			size_t pos = iter % 3 == 0 ? rng % 64 : rng % size;
			t[pos] = (u8)(rng >> 32);
		}
		walk_all(t, size);
		free(t);
	}
	CHECK(walk_all(b, size) > 10);
	free(b);
}

/* ---- A tiny blob builder for the hand-made defects ---- */
static u8 sb[4096], strs[512];
static u32 sp, strp;

static void tok(u32 v) { put32(sb + sp, v); sp += 4; }
static void node(const char *name)
{
	tok(1);
	size_t n = strlen(name) + 1;
	memcpy(sb + sp, name, n);
	sp += (u32)ALIGN_UP(n, (size_t)4);
}
static void prop(const char *name, const void *val, u32 len)
{
	tok(3);
	tok(len);
	tok(strp);
	strcpy((char *)strs + strp, name);
	strp += (u32)strlen(name) + 1;
	memcpy(sb + sp, val, len);
	sp += ALIGN_UP(len, 4u);
}
static void begin(void) { memset(sb, 0, sizeof(sb)); memset(strs, 0, sizeof(strs)); sp = strp = 0; }

/* Header, an empty reservation map, the structure block and the strings, in a buffer of exactly
 * their size. */
static u8 *finish(size_t *size)
{
	u32 rsv = 40, soff = 56, stroff = soff + sp, total = stroff + strp;
	u8 *b = calloc(1, total);
	put32(b, FDT_MAGIC);
	put32(b + 4, total);
	put32(b + 8, soff);
	put32(b + 12, stroff);
	put32(b + 16, rsv);
	put32(b + 20, 17);
	put32(b + 24, 16);
	put32(b + 32, strp);
	put32(b + 36, sp);
	memcpy(b + soff, sb, sp);
	memcpy(b + stroff, strs, strp);
	*size = total;
	return b;
}

static void be_cells(u8 *out, const u32 *v, int n)
{
	for (int i = 0; i < n; i++)
		put32(out + 4 * i, v[i]);
}

static void handmade(void)
{
	size_t size;
	u8 cells[16];
	struct fdt f;
	struct boot_info *bi = calloc(1, sizeof(*bi));

	/* A good one first: a 1-cell address space with two memory banks. */
	begin();
	node("");
	be_cells(cells, (u32[]){ 1 }, 1);
	prop("#address-cells", cells, 4);
	prop("#size-cells", cells, 4);
	node("memory@1000");
	prop("device_type", "memory", 7);
	be_cells(cells, (u32[]){ 0x1000, 0x2000, 0x10000, 0x1000 }, 4);
	prop("reg", cells, 16);
	tok(2);
	tok(2);
	tok(9);
	u8 *b = finish(&size);
	CHECK_EQ(devicetree_parse(bi, b, 0, size), 0);
	CHECK_EQ(bi->nr_memmap, 2);
	CHECK_EQ(bi->memmap[1].start, 0x10000);
	CHECK_EQ(bi->memmap[1].end, 0x11000);
	CHECK(!strcmp(bi->loader, "device tree"));
	b[0] ^= 1;
	CHECK_EQ(fdt_open(&f, b, size), -EINVAL);   /* magic */
	b[0] ^= 1;
	put32(b + 20, 15);
	CHECK_EQ(fdt_open(&f, b, size), -EINVAL);   /* version */
	put32(b + 20, 17);
	put32(b + 36, sp + strp + 4);
	CHECK_EQ(fdt_open(&f, b, size), -EINVAL);   /* structure block past totalsize */
	put32(b + 36, sp);
	put32(b + 8, 58);
	CHECK_EQ(fdt_open(&f, b, size), -EINVAL);   /* misaligned structure block */
	free(b);

	/* Unterminated node name running to the end of the block. */
	begin();
	tok(1);
	memset(sb + sp, 'x', 8);
	sp += 8;
	b = finish(&size);
	CHECK_EQ(fdt_open(&f, b, size), 0);
	CHECK_EQ(fdt_root(&f), -EINVAL);
	CHECK(fdt_node_name(&f, 0) == NULL);
	CHECK_EQ(devicetree_parse(bi, b, 0, size), -EINVAL);
	free(b);

	/* A property longer than the block, and one whose name offset is outside the strings. */
	begin();
	node("");
	prop("reg", cells, 4);
	tok(2);
	tok(9);
	b = finish(&size);
	CHECK_EQ(fdt_open(&f, b, size), 0);
	CHECK(fdt_prop(&f, 0, "reg", NULL) != NULL);
	put32(b + 56 + 8, 0x1000);                   /* len */
	CHECK(fdt_prop(&f, 0, "reg", NULL) == NULL);
	put32(b + 56 + 8, 4);
	put32(b + 56 + 12, 0x7fffffff);              /* nameoff */
	CHECK(fdt_prop(&f, 0, "reg", NULL) == NULL);
	CHECK_EQ(fdt_next_node(&f, 0, NULL), -EINVAL);
	free(b);

	/* No END token, unbalanced END_NODE, deep nesting, and cell counts we cannot decode. */
	begin();
	node("");
	for (int i = 0; i < 200; i++)
		node("n");
	prop("reg", cells, 8);
	b = finish(&size);
	CHECK_EQ(fdt_open(&f, b, size), 0);
	int n = 0, last = 0, depth = 0;
	for (int x = 0; x >= 0; x = fdt_next_node(&f, x, &depth))
		n++, last = x;
	CHECK_EQ(n, 201);
	CHECK_EQ(depth, 200);
	CHECK_EQ(fdt_next_sibling(&f, last), -EINVAL);
	u64 a, s;
	CHECK_EQ(fdt_reg(&f, last, 0, &a, &s), -EINVAL);   /* 8 bytes: not a whole 2+1-cell entry */
	CHECK(fdt_parent(&f, last) > 0);
	walk_all(b, size);
	free(b);

	begin();
	node("");
	be_cells(cells, (u32[]){ 3 }, 1);
	prop("#address-cells", cells, 4);
	node("memory@0");
	prop("device_type", "memory", 7);
	prop("reg", cells, 16);
	tok(2);
	tok(2);
	tok(2);   /* one END_NODE too many */
	tok(9);
	b = finish(&size);
	CHECK_EQ(fdt_open(&f, b, size), 0);
	CHECK_EQ(fdt_reg(&f, fdt_path(&f, "/memory"), 0, &a, &s), -EINVAL);
	memset(bi, 0, sizeof(*bi));
	CHECK_EQ(devicetree_parse(bi, b, 0, size), -EINVAL);   /* no usable memory */
	walk_all(b, size);
	free(b);
	free(bi);
}

/* A tree with memory and a /chosen holding the initrd properties given (len 0: absent). */
static u8 *chosen_tree(size_t *size, const u32 *start, u32 slen, const u32 *end, u32 elen)
{
	u8 cells[16];
	begin();
	node("");
	be_cells(cells, (u32[]){ 2, 1 }, 2);
	prop("#address-cells", cells, 4);
	prop("#size-cells", cells + 4, 4);
	node("memory@0");
	prop("device_type", "memory", 7);
	be_cells(cells, (u32[]){ 0, 0, 0x10000000 }, 3);
	prop("reg", cells, 12);
	tok(2);
	node("chosen");
	if (slen) {
		be_cells(cells, start, (int)slen / 4);
		prop("linux,initrd-start", cells, slen);
	}
	if (elen) {
		be_cells(cells, end, (int)elen / 4);
		prop("linux,initrd-end", cells, elen);
	}
	tok(2);
	tok(2);
	tok(9);
	return finish(size);
}

/* /chosen's linux,initrd-start and -end, in one cell (QEMU's pseries) or two (its arm64 virt):
 * the range kept and reserved; broken ones left out with a reason, the boot going on. */
static void initrd(void)
{
	struct boot_info *bi = calloc(1, sizeof(*bi));
	size_t size;
	u8 *b = load("tests/host/fixtures/pseries-power9-smp2-512M-initrd.dtb", &size);
	CHECK_EQ(devicetree_parse(bi, b, 0x1000000, size), 0);
	CHECK_EQ(bi->initrd_start, 0x630000);   /* QEMU: after the kernel, 64 KiB aligned */
	CHECK(bi->initrd_end > bi->initrd_start && bi->initrd_end - bi->initrd_start < (1u << 24));
	bool reserved = false;
	for (unsigned i = 0; i < bi->nr_reserved; i++)
		reserved |= bi->reserved[i].start == bi->initrd_start &&
			    bi->reserved[i].end == bi->initrd_end &&
			    !strcmp(bi->reserved[i].name, "initramfs");
	CHECK(reserved && !bi->initrd_problem);
	free(b);

	struct { u32 start[2], slen, end[2], elen; u64 want_start, want_end; bool problem; } cases[] = {
		{ { 0x630000 }, 4, { 0x670000 }, 4, 0x630000, 0x670000, false },
		{ { 0x1, 0x48000000 }, 8, { 0x1, 0x48040000 }, 8, 0x148000000, 0x148040000, false },
		{ { 0x48000000 }, 4, { 0, 0x48040000 }, 8, 0x48000000, 0x48040000, false },
		{ { 0x5000 }, 4, { 0x5000 }, 4, 0, 0, false },        /* empty: none */
		{ { 0x6000 }, 4, { 0x5000 }, 4, 0, 0, true },         /* ends before it starts */
		{ { 0x6000 }, 4, { 0 }, 0, 0, 0, true },              /* no end */
		{ { 0x6000, 0 }, 6, { 0x7000 }, 4, 0, 0, true },      /* not whole cells */
		{ { 0 }, 0, { 0 }, 0, 0, 0, false },                  /* none at all */
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(bi, 0, sizeof(*bi));
		b = chosen_tree(&size, cases[i].start, cases[i].slen, cases[i].end, cases[i].elen);
		CHECK_EQ(devicetree_parse(bi, b, 0x10000, size), 0);
		CHECK_EQ(bi->initrd_start, cases[i].want_start);
		CHECK_EQ(bi->initrd_end, cases[i].want_end);
		CHECK_EQ(bi->initrd_problem != NULL, cases[i].problem);
		/* The tree itself and, if kept, the initrd are reserved. */
		CHECK_EQ(bi->nr_reserved, cases[i].want_end ? 2 : 1);
		free(b);
	}
	free(bi);
}

int main(void)
{
	check_pseries("tests/host/fixtures/pseries-power9-smp4-512M.dtb", "POWER9", 4, 512ul << 20);
	check_pseries("tests/host/fixtures/pseries-power10-smp2-2G.dtb", "POWER10", 2, 2ul << 30);
	handmade();
	initrd();
	return host_test_done("fdt");
}
