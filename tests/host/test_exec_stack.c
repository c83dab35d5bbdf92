/* kernel/user/exec_stack.c: stacks built for argument sets fixed and random, parsed back as a
 * program's start code would (argc, argv, envp, auxv, the strings), in buffers of exactly the
 * size given (ASan sees a write outside); -E2BIG for every size too small and for strings too
 * long, never a partial write past the buffer. */
#include "tests/host/host.h"
#include "tests/host/elf_files.h"
#include "kernel/errno.h"
#include "kernel/user/elf.h"
#include "kernel/user/exec_stack.h"

#define TOP 0x7ffffffff000ull

static struct elf_image image;
static const u8 random_bytes[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static u64 word(const u8 *buf, u64 base, u64 addr)
{
	u64 v;
	memcpy(&v, buf + (addr - base), 8);
	return v;
}

static const char *str(const u8 *buf, u64 base, u64 top, u64 addr)
{
	if (addr < base || addr >= top)
		return NULL;
	const char *s = (const char *)buf + (addr - base);
	return memchr(s, 0, top - addr) ? s : NULL;   /* terminated inside the stack */
}

/* Parse the stack back and compare it with what was asked for. Returns the failures. */
static int parse_back(const u8 *buf, size_t cap, const struct exec_stack_args *a,
		      const struct exec_stack *st, unsigned argc, unsigned envc)
{
	int bad = host_failures;
	u64 base = TOP - cap, sp = st->sp;
	CHECK(sp % 16 == 0 && sp >= base && sp < TOP);
	CHECK_EQ(st->size, TOP - sp);
	CHECK_EQ(word(buf, base, TOP - 8), 0);   /* the end marker */
	CHECK_EQ(word(buf, base, sp), argc);
	CHECK_EQ(st->argc, argc);
	CHECK_EQ(st->argv, sp + 8);
	u64 p = sp + 8, lowest_string = TOP;
	for (unsigned i = 0; i < argc; i++, p += 8) {
		const char *s = str(buf, base, TOP, word(buf, base, p));
		const char *want = a->argv && a->argv[0] ? a->argv[i] : "";
		CHECK(s && !strcmp(s, want));
		lowest_string = MIN(lowest_string, word(buf, base, p));
	}
	CHECK_EQ(word(buf, base, p), 0);
	p += 8;
	CHECK_EQ(st->envp, p);
	for (unsigned i = 0; i < envc; i++, p += 8) {
		const char *s = str(buf, base, TOP, word(buf, base, p));
		CHECK(s && !strcmp(s, a->envp[i]));
		lowest_string = MIN(lowest_string, word(buf, base, p));
	}
	CHECK_EQ(word(buf, base, p), 0);
	p += 8;
	CHECK_EQ(st->auxv, p);
	/* The auxiliary vector: the arch's entries first, then Linux's, once each. */
	unsigned n = 0;
	u64 seen[64][2];
	for (;; p += 16) {
		CHECK(p + 16 <= TOP && n < 64);
		if (p + 16 > TOP || n >= 64)
			return host_failures - bad;
		seen[n][0] = word(buf, base, p);
		seen[n][1] = word(buf, base, p + 8);
		if (seen[n++][0] == AT_NULL)
			break;
	}
	CHECK_EQ(n, st->nr_auxv);
	CHECK(p + 16 <= lowest_string);   /* the vector ends below every string */
	for (unsigned i = 0; i < a->nr_arch_auxv; i++)
		CHECK(seen[i][0] == a->arch_auxv[i][0] && seen[i][1] == a->arch_auxv[i][1]);
	bool random_ok = false, execfn_ok = false, phdr_ok = false, entry_ok = false;
	bool hwcap = false, platform_ok = !a->platform;
	unsigned ids = 0;
	for (unsigned i = a->nr_arch_auxv; i < n; i++) {
		u64 t = seen[i][0], v = seen[i][1];
		switch (t) {
		case AT_RANDOM:
			random_ok = v >= sp && v + 16 <= TOP &&
				    !memcmp(buf + (v - base), random_bytes, 16);
			CHECK_EQ(v, st->random);
			break;
		case AT_EXECFN: {
			const char *s = str(buf, base, TOP, v);
			execfn_ok = s && !strcmp(s, a->execfn);
			CHECK_EQ(v + strlen(a->execfn) + 1, TOP - 8);   /* Linux's place for it */
			break;
		}
		case AT_PLATFORM: {
			const char *s = str(buf, base, TOP, v);
			platform_ok = a->platform && s && !strcmp(s, a->platform);
			break;
		}
		case AT_PHDR: phdr_ok = v == image.phdr_addr; break;
		case AT_PHENT: CHECK_EQ(v, 56); break;
		case AT_PHNUM: CHECK_EQ(v, image.phnum); break;
		case AT_PAGESZ: CHECK_EQ(v, 4096); break;
		case AT_ENTRY: entry_ok = v == image.entry; break;
		case AT_BASE: case AT_FLAGS: case AT_SECURE: CHECK_EQ(v, 0); break;
		case AT_UID: case AT_EUID: case AT_GID: case AT_EGID: CHECK_EQ(v, 0); ids++; break;
		case AT_HWCAP: hwcap = true; CHECK_EQ(v, a->hwcap); break;
		case AT_HWCAP2: CHECK(a->has_hwcap2); CHECK_EQ(v, a->hwcap2); break;
		case AT_CLKTCK: CHECK_EQ(v, 100); break;
		case AT_NULL: CHECK_EQ(i, n - 1); break;
		default: CHECK(!"unknown auxv type"); break;
		}
	}
	CHECK(random_ok && execfn_ok && phdr_ok && entry_ok && platform_ok && ids == 4);
	CHECK_EQ(hwcap, a->has_hwcap);
	return host_failures - bad;
}

static int build(size_t cap, const struct exec_stack_args *a, struct exec_stack *st, u8 **out)
{
	u8 *buf = malloc(cap ? cap : 1);
	memset(buf, 0xa5, cap);
	int err = exec_stack_build(buf, cap, TOP, a, st);
	*out = buf;
	return err;
}

static void test_fixed(void)
{
	static const char *const argv[] = { "/init", "a", "b c", "", NULL };
	static const char *const envp[] = { "HOME=/", "TERM=linux", NULL };
	static const u64 ppc[][2] = { { AT_IGNOREPPC, AT_IGNOREPPC }, { AT_IGNOREPPC, AT_IGNOREPPC } };
	struct exec_stack_args a = {
		.argv = argv, .envp = envp, .execfn = "/init", .platform = "x86_64",
		.random = random_bytes, .image = &image, .page_size = 4096,
		.has_hwcap = true, .hwcap = 0x178bfbff, .arch_auxv = ppc, .nr_arch_auxv = 2,
	};
	struct exec_stack st;
	u8 *buf;
	CHECK_EQ(build(4096, &a, &st, &buf), 0);
	CHECK_EQ(parse_back(buf, 4096, &a, &st, 4, 2), 0);
	size_t need = st.size;
	free(buf);

	/* Every smaller buffer is refused whole; the exact size works. */
	for (size_t cap = 0; cap < need; cap++) {
		CHECK_EQ(build(cap, &a, &st, &buf), -E2BIG);
		free(buf);
	}
	CHECK_EQ(build(need, &a, &st, &buf), 0);
	CHECK_EQ(parse_back(buf, need, &a, &st, 4, 2), 0);
	free(buf);

	/* No argv at all: argv = { "" } (Linux 5.18 on); no envp, no platform, no hwcap. */
	struct exec_stack_args b = { .execfn = "/x", .random = random_bytes, .image = &image,
				     .page_size = 4096, .has_hwcap2 = true, .hwcap2 = 2 };
	CHECK_EQ(build(512, &b, &st, &buf), 0);
	CHECK_EQ(parse_back(buf, 512, &b, &st, 1, 0), 0);
	free(buf);

	/* A string of MAX_ARG_STRLEN bytes (with its NUL) is too long, one less fits. */
	char *longest = malloc(EXEC_MAX_ARG_STRLEN + 1);
	memset(longest, 'x', EXEC_MAX_ARG_STRLEN);
	longest[EXEC_MAX_ARG_STRLEN] = 0;
	const char *const big[] = { longest, NULL };
	struct exec_stack_args c = a;
	c.argv = big;
	CHECK_EQ(build(4 * EXEC_MAX_ARG_STRLEN, &c, &st, &buf), -E2BIG);
	free(buf);
	longest[EXEC_MAX_ARG_STRLEN - 1] = 0;
	CHECK_EQ(build(4 * EXEC_MAX_ARG_STRLEN, &c, &st, &buf), 0);
	CHECK_EQ(parse_back(buf, 4 * EXEC_MAX_ARG_STRLEN, &c, &st, 1, 2), 0);
	free(buf);
	c.argv = argv;
	c.execfn = longest;   /* AT_EXECFN is a string too */
	longest[EXEC_MAX_ARG_STRLEN - 1] = 'x';
	CHECK_EQ(build(4 * EXEC_MAX_ARG_STRLEN, &c, &st, &buf), -E2BIG);
	free(buf);
	free(longest);

	/* A misaligned top, missing pieces. */
	u8 small[64];
	CHECK_EQ(exec_stack_build(small, sizeof(small), TOP - 8, &a, &st), -EINVAL);
	c = a;
	c.random = NULL;
	CHECK_EQ(exec_stack_build(small, sizeof(small), TOP, &c, &st), -EINVAL);
}

/* Random argument sets and sizes: refused whole or parsed back right. */
static void test_random(void)
{
	unsigned long rng = 12345;
	char pool[64][200];
	const char *argv[65], *envp[65];
	int built = 0, refused = 0;
	for (int it = 0; it < 3000; it++) {
		unsigned argc = (unsigned)(host_xorshift(&rng) % 20), envc = (unsigned)(host_xorshift(&rng) % 20);
		for (unsigned i = 0; i < argc + envc; i++) {
			size_t n = host_xorshift(&rng) % (i % 7 == 6 ? 199 : 12);
			for (size_t k = 0; k < n; k++)
				pool[i][k] = (char)('a' + host_xorshift(&rng) % 26);
			pool[i][n] = 0;
		}
		for (unsigned i = 0; i < argc; i++)
			argv[i] = pool[i];
		argv[argc] = NULL;
		for (unsigned i = 0; i < envc; i++)
			envp[i] = pool[argc + i];
		envp[envc] = NULL;
		struct exec_stack_args a = {
			.argv = argv, .envp = envp, .execfn = argc ? argv[0] : "/bin/x",
			.platform = host_xorshift(&rng) % 2 ? "aarch64" : NULL, .random = random_bytes,
			.image = &image, .page_size = 4096, .has_hwcap = host_xorshift(&rng) % 2,
		};
		size_t cap = host_xorshift(&rng) % 3000;
		struct exec_stack st;
		u8 *buf;
		int err = build(cap, &a, &st, &buf);
		if (err == 0) {
			built++;
			if (parse_back(buf, cap, &a, &st, argc ? argc : 1, envc)) {
				fprintf(stderr, "random stack %d: argc %u envc %u cap %zu\n", it, argc,
					envc, cap);
				free(buf);
				return;
			}
		} else {
			refused++;
			CHECK_EQ(err, -E2BIG);
		}
		free(buf);
	}
	printf("random stacks: %d built and parsed back, %d too big\n", built, refused);
	CHECK(built > 500 && refused > 500);
}

int main(void)
{
	u8 *elf = malloc(ELF_SMALL_SIZE);
	const char *why;
	elf_small(elf, EM_X86_64);
	CHECK_EQ(elf_parse(elf, ELF_SMALL_SIZE, EM_X86_64, TOP, &image, &why), 0);
	free(elf);
	test_fixed();
	test_random();
	return host_test_done("exec_stack");
}
