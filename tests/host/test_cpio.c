/* lib/cpio.c: the archives tools/mkcpio wrote for the kernel (build/<arch>/initramfs.cpio, made
 * by host-test first), archives built here entry by entry (several archives in a row, a name
 * given twice, the checksummed 070702 kind), each malformed shape refused with its reason, path
 * normalisation, then a seeded mutation pass. Archives sit in buffers of exactly their length,
 * so ASan sees any read past the end. */
#include "tests/host/host.h"
#include "kernel/errno.h"
#include "lib/cpio.h"

static u8 arc[8192];
static size_t arc_len;

static void add(const char *magic, const char *name, u32 mode, const void *data, u32 size,
		u32 namesize, u32 check)
{
	char h[CPIO_HEADER_SIZE + 1];
	snprintf(h, sizeof(h), "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", magic, 1u,
		 mode, 0u, 0u, 1u, 0u, size, 0u, 0u, 0u, 0u, namesize, check);
	memcpy(arc + arc_len, h, CPIO_HEADER_SIZE);
	arc_len += CPIO_HEADER_SIZE;
	memcpy(arc + arc_len, name, strlen(name) + 1);
	arc_len = ALIGN_UP(arc_len + namesize, 4);
	memcpy(arc + arc_len, data, size);
	arc_len = ALIGN_UP(arc_len + size, 4);
}
static void file(const char *name, const char *text)
{
	add("070701", name, CPIO_S_IFREG | 0755, text, (u32)strlen(text), (u32)strlen(name) + 1, 0);
}
static void trailer(void) { add("070701", "TRAILER!!!", 0, "", 0, 11, 0); }

/* The archive in an exact-size copy: lookup of path; returns the result, *text the data. */
static int find(size_t len, const char *path, char *text, const char **why)
{
	u8 *copy = malloc(len ? len : 1);
	memcpy(copy, arc, len);
	struct cpio_entry e;
	int r = cpio_find(copy, len, path, &e, why);
	if (r == 0 && text) {
		memcpy(text, e.data, e.size);
		text[e.size] = 0;
	}
	free(copy);
	return r;
}

static int count(size_t len, unsigned *entries, unsigned *files, const char **why)
{
	u8 *copy = malloc(len ? len : 1);
	memcpy(copy, arc, len);
	int r = cpio_count(copy, len, entries, files, why, NULL);
	free(copy);
	return r;
}

static void test_built(void)
{
	char text[64];
	const char *why;
	unsigned entries, files;
	arc_len = 0;
	add("070701", "bin", CPIO_S_IFDIR | 0755, "", 0, 4, 0);
	file("bin/a", "first a");
	file("./init", "the init");
	file("bin/a", "second a");   /* replaces the first, as unpacking would */
	add("070701", "sh", CPIO_S_IFLNK | 0777, "bin/a", 5, 3, 0);
	trailer();
	memset(arc + arc_len, 0, 20);   /* zero padding, then a second archive */
	arc_len += 20;
	file("/etc/conf", "x=1");
	add("070702", "sum", CPIO_S_IFREG | 0644, "abc", 3, 4, 'a' + 'b' + 'c');
	trailer();
	memset(arc + arc_len, 0, 512 - arc_len % 512);
	arc_len += 512 - arc_len % 512;

	CHECK_EQ(count(arc_len, &entries, &files, &why), 0);
	CHECK_EQ(entries, 7);
	CHECK_EQ(files, 5);
	const char *init_names[] = { "/init", "init", "./init", "//init", "./././init", "/./init/" };
	for (size_t i = 0; i < ARRAY_SIZE(init_names); i++) {
		CHECK_EQ(find(arc_len, init_names[i], text, &why), 0);
		CHECK(!strcmp(text, "the init"));
	}
	CHECK_EQ(find(arc_len, "/bin/a", text, &why), 0);
	CHECK(!strcmp(text, "second a"));
	CHECK_EQ(find(arc_len, "bin//a", text, &why), 0);
	CHECK_EQ(find(arc_len, "etc/conf", text, &why), 0);
	CHECK(!strcmp(text, "x=1"));
	CHECK_EQ(find(arc_len, "sum", text, &why), 0);
	CHECK(!strcmp(text, "abc"));
	CHECK_EQ(find(arc_len, "/sh", text, &why), 0);
	CHECK(!strcmp(text, "bin/a"));   /* a symlink's data is its target */
	CHECK_EQ(find(arc_len, "bin", NULL, &why), 0);
	CHECK_EQ(find(arc_len, "/nope", NULL, &why), -ENOENT);
	CHECK_EQ(find(arc_len, "bin/a/b", NULL, &why), -ENOENT);
	CHECK_EQ(find(arc_len, "in", NULL, &why), -ENOENT);
	CHECK_EQ(find(arc_len, "TRAILER!!!", NULL, &why), -ENOENT);   /* not an entry */
	CHECK_EQ(find(arc_len, "/", NULL, &why), -ENOENT);
	/* Cut anywhere inside the first archive: refused (no trailer, or an entry cut short). */
	for (size_t cut = 1; cut < 200; cut++)
		CHECK_EQ(count(cut, &entries, &files, &why), -EINVAL);
	/* Nothing, or only zeros, is an empty archive (Linux skips zeros between archives). */
	CHECK_EQ(count(0, &entries, &files, &why), 0);
	memset(arc, 0, 64);
	CHECK_EQ(count(64, &entries, &files, &why), 0);
	CHECK_EQ(entries, 0);
}

static void test_same_path(void)
{
	struct { const char *a, *b; bool same; } cases[] = {
		{ "init", "/init", true }, { "./init", "init", true }, { "a//b", "/a/b", true },
		{ "a/./b/", "a/b", true }, { "a/b", "a/c", false }, { "a", "a/b", false },
		{ "ab", "a", false }, { "", "/", true }, { "./", "", true }, { "a/../b", "b", false },
		{ "..", "", false }, { ".a", "a", false },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		host_checks++;
		bool got = cpio_same_path(cases[i].a, strlen(cases[i].a), cases[i].b, strlen(cases[i].b));
		if (got != cases[i].same) {
			host_failures++;
			fprintf(stderr, "cpio_same_path(\"%s\", \"%s\") = %d\n", cases[i].a, cases[i].b,
				got);
		}
	}
}

/* One archive built by `make`, then edited; refused with a message containing `reason`. */
static void expect_refused(const char *what, size_t len, const char *reason)
{
	unsigned e, f;
	const char *why = NULL;
	host_checks++;
	int r = count(len, &e, &f, &why);
	if (r != -EINVAL || !why || !strstr(why, reason)) {
		host_failures++;
		fprintf(stderr, "%s: got %d (%s), expected -EINVAL (%s)\n", what, r,
			why ? why : "no reason", reason);
	}
}

static void simple(void)
{
	arc_len = 0;
	file("init", "hello");
	trailer();
}

static void test_refusals(void)
{
	simple();
	expect_refused("no trailer", 124, "without a TRAILER");
	expect_refused("truncated header", 100, "truncated header");
	simple(); arc[4] = '8';
	expect_refused("bad magic", arc_len, "bad magic");
	simple(); memcpy(arc, "070707", 6);
	expect_refused("odc", arc_len, "odc");
	simple(); arc[0] = 0x1f; arc[1] = 0x8b;
	expect_refused("gzip", arc_len, "gzip");
	simple(); arc[6 + 8 * 6 + 3] = 'g';
	expect_refused("hex digit", arc_len, "hex digit");
	simple(); arc[6 + 8 * 1] = ' ';
	expect_refused("space in a field", arc_len, "hex digit");
	arc_len = 0;
	add("070701", "init", CPIO_S_IFREG, "", 0, 0, 0);
	trailer();
	expect_refused("namesize 0", arc_len, "without a name");
	arc_len = 0;
	add("070701", "init", CPIO_S_IFREG, "", 0, 4, 0);   /* "init" without its NUL */
	trailer();
	expect_refused("name without NUL", arc_len, "without its NUL");
	arc_len = 0;
	add("070701", "init", CPIO_S_IFREG, "", 0, 5, 0);
	memcpy(arc + 6 + 8 * 11, "00002000", 8);
	expect_refused("name too long", arc_len, "PATH_MAX");
	memcpy(arc + 6 + 8 * 11, "00000800", 8);
	expect_refused("name past the end", arc_len, "name runs past");
	simple(); memcpy(arc + 6 + 8 * 6, "00100000", 8);
	expect_refused("data past the end", arc_len, "data runs past");
	simple(); memcpy(arc + 6 + 8 * 6, "FFFFFFFF", 8);
	expect_refused("size huge", arc_len, "data runs past");
	arc_len = 0;
	add("070702", "sum", CPIO_S_IFREG | 0644, "abc", 3, 4, 7);
	trailer();
	expect_refused("checksum", arc_len, "checksum");
	simple();
	arc[arc_len++] = 0;
	memcpy(arc + arc_len, arc, 124);   /* a second archive, 1 byte off alignment */
	arc_len += 124;
	expect_refused("broken padding", arc_len, "broken padding");
}

static void test_mkcpio_archives(void)
{
	static const char *const arches[] = { "x86_64", "arm64", "ppc64" };
	for (size_t a = 0; a < ARRAY_SIZE(arches); a++) {
		char path[128];
		snprintf(path, sizeof(path), "build/%s/initramfs.cpio", arches[a]);
		FILE *fp = fopen(path, "rb");
		if (!fp) {
			fprintf(stderr, "%s is missing: host-test builds it first\n", path);
			host_failures++;
			continue;
		}
		fseek(fp, 0, SEEK_END);
		size_t len = (size_t)ftell(fp);
		fseek(fp, 0, SEEK_SET);
		u8 *buf = malloc(len);
		CHECK_EQ(fread(buf, 1, len, fp), len);
		fclose(fp);
		unsigned entries, files;
		const char *why = NULL;
		CHECK_EQ(cpio_count(buf, len, &entries, &files, &why, NULL), 0);
		CHECK(files >= 3 && entries == files + 1);   /* init, bin/..., and the bin dir */
		CHECK_EQ(len % 512, 0);
		struct cpio_entry init, hello;
		CHECK_EQ(cpio_find(buf, len, "/init", &init, &why), 0);
		CHECK_EQ(cpio_find(buf, len, "bin/hello", &hello, &why), 0);
		CHECK(init.size == hello.size && !memcmp(init.data, hello.data, init.size));
		CHECK(init.size > 64 && !memcmp(init.data, "\177ELF", 4));
		CHECK_EQ(init.mode, CPIO_S_IFREG | 0755);
		free(buf);
	}
}

/* Mutated archives: never a read outside, and every entry returned lies inside the buffer. */
static void test_fuzz(void)
{
	unsigned long rng = 99;
	unsigned long ok = 0, refused = 0;
	for (int it = 0; it < 50000; it++) {
		arc_len = 0;
		file("init", "hello");
		add("070701", "bin", CPIO_S_IFDIR | 0755, "", 0, 4, 0);
		file("bin/x", "some bytes");
		trailer();
		if (host_xorshift(&rng) % 2) {   /* a second archive */
			arc_len += 4 * (host_xorshift(&rng) % 4);
			file("two", "2");
			trailer();
		}
		size_t len = arc_len;
		for (int m = 1 + (int)(host_xorshift(&rng) % 3); m && len; m--) {
			size_t at = host_xorshift(&rng) % len;
			switch (host_xorshift(&rng) % 4) {
			case 0: arc[at] ^= (u8)(1u << host_xorshift(&rng) % 8); break;
			case 1: arc[at] = "0123456789ABCDEF"[host_xorshift(&rng) % 16]; break;
			case 2: arc[at] = (u8)host_xorshift(&rng); break;
			default: len = at; break;
			}
		}
		u8 *copy = malloc(len ? len : 1);
		memcpy(copy, arc, len);
		struct cpio_iter iter;
		struct cpio_entry e;
		const char *why = NULL;
		int r;
		cpio_iter_init(&iter, copy, len);
		while ((r = cpio_next(&iter, &e, &why)) > 0) {
			CHECK((const u8 *)e.name >= copy && (const u8 *)e.name + e.name_len < copy + len);
			CHECK(e.name[e.name_len] == 0);
			CHECK((const u8 *)e.data >= copy && e.size <= len &&
			      (const u8 *)e.data + e.size <= copy + len);
		}
		if (r == 0)
			ok++;
		else {
			refused++;
			CHECK(r == -EINVAL && why != NULL);
		}
		cpio_find(copy, len, "bin/x", &e, &why);
		free(copy);
	}
	printf("cpio fuzz: %lu archives read whole, %lu refused\n", ok, refused);
	CHECK(ok > 1000 && refused > 1000);
}

int main(void)
{
	test_built();
	test_same_path();
	test_refusals();
	test_mkcpio_archives();
	test_fuzz();
	return host_test_done("cpio");
}
