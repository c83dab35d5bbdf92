/* A seeded mutation fuzzer for kernel/user/elf.c, under ASan and UBSan: the real programs of
 * build/<arch>/user/ and the small hand-made file, cut short, with bytes flipped and program and
 * ELF header fields set to edge values, then parsed from buffers of exactly their length. It
 * must never crash or read outside the buffer, and whatever it accepts must satisfy what elf.h
 * promises (elf_image_ok), before and after a bias for ET_DYN.
 *     build/host/test_elf_fuzz [ITERATIONS [SEED]]      (host-test: 300000, seed 1) */
#include "tests/host/host.h"
#include "tests/host/elf_files.h"
#include "kernel/errno.h"
#include "kernel/user/elf.h"

#define LIMIT 0x0000800000000000ull

struct base {
	u8 *buf;
	size_t len;
	u16 machine;
};

static unsigned long rng;

static u64 rnd(u64 n) { return n ? host_xorshift(&rng) % n : 0; }

/* A value a field might be set to: edges of the file, the page, the limit, and plain noise. */
static u64 edge_value(u64 old, size_t len)
{
	switch (rnd(16)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return ELF_PAGE_SIZE;
	case 3: return ELF_PAGE_SIZE - 1;
	case 4: return len;
	case 5: return len - 1;
	case 6: return len + 1;
	case 7: return ~0ull;
	case 8: return ~0ull - ELF_PAGE_SIZE + 1;
	case 9: return LIMIT - ELF_PAGE_SIZE * rnd(4);
	case 10: return old + rnd(64) - 32;
	case 11: return old + ELF_PAGE_SIZE * (rnd(8) - 4);
	case 12: return old ^ (1ull << rnd(64));
	case 13: return rnd(0x10000);
	case 14: return host_xorshift(&rng);
	default: return old * 2;
	}
}

static void mutate(u8 *b, size_t len)
{
	u16 phnum = len >= 64 ? elf_get16(b, 56) : 0;
	u64 phoff = len >= 64 ? elf_get64(b, 32) : 0;
	switch (rnd(5)) {
	case 0: {   /* flip bits in the headers (or anywhere, now and then) */
		size_t span = rnd(4) ? MIN(len, 64 + 56 * (size_t)MIN(phnum, 8) + 64) : len;
		if (span)
			b[rnd(span)] ^= (u8)(1u << rnd(8));
		break;
	}
	case 1:
	case 2: {   /* a program header field */
		if (!phnum || phoff > len)
			break;
		u64 i = rnd(phnum), off = phoff + 56 * i;
		static const u8 fields[] = { 0, 4, 8, 16, 32, 40, 48 };
		u8 f = fields[rnd(sizeof(fields))];
		if (off + 64 > len)
			break;
		if (f == 0)
			elf_put32(b, off, (u32)(rnd(3) ? rnd(8) : edge_value(0, len)));
		else if (f == 4)
			elf_put32(b, off + 4, (u32)rnd(8));
		else
			elf_put64(b, off + f, edge_value(elf_get64(b, off + f), len));
		break;
	}
	case 3: {   /* an ELF header field */
		if (len < 64)
			break;
		switch (rnd(5)) {
		case 0: elf_put64(b, 24, edge_value(elf_get64(b, 24), len)); break;
		case 1: elf_put64(b, 32, edge_value(phoff, len)); break;
		case 2: elf_put16(b, 56, (u16)(rnd(2) ? phnum + rnd(3) - 1 : edge_value(0, len))); break;
		case 3: elf_put16(b, 16, (u16)rnd(5)); break;
		default: elf_put16(b, 54, (u16)(rnd(4) ? 56 : rnd(128))); break;
		}
		break;
	}
	default:   /* a random byte anywhere */
		if (len)
			b[rnd(len)] = (u8)host_xorshift(&rng);
		break;
	}
}

int main(int argc, char **argv)
{
	unsigned long iterations = argc > 1 ? strtoul(argv[1], NULL, 0) : 300000;
	rng = argc > 2 ? strtoul(argv[2], NULL, 0) : 1;
	rng = rng * 0x9e3779b97f4a7c15ull | 1;

	struct base bases[64];
	int nb = 0;
	bases[nb].buf = malloc(ELF_SMALL_SIZE);
	elf_small(bases[nb].buf, EM_X86_64);
	bases[nb].len = ELF_SMALL_SIZE;
	bases[nb++].machine = EM_X86_64;
	for (int a = 0; a < 3; a++) {
		char **names = elf_list_programs(elf_user_arches[a]);
		for (char **n = names; *n && nb < 64; n++) {
			bases[nb].buf = elf_load_file(elf_user_arches[a], *n, &bases[nb].len);
			bases[nb].machine = elf_arch_machine(elf_user_arches[a]);
			if (bases[nb].buf)
				nb++;
			free(*n);
		}
		free(names);
	}
	CHECK(nb >= 7);   /* the small file and the programs of every arch */

	unsigned long accepted = 0, dyn_moved = 0, by_reason[ELF_NR_REASONS] = { 0 };
	for (unsigned long it = 0; it < iterations; it++) {
		const struct base *base = &bases[rnd(3) ? 0 : rnd(nb)];
		size_t len = base->len;
		if (rnd(5) == 0)
			len = rnd(4) ? rnd(MIN(len, 4096) + 1) : rnd(len + 1);
		u8 *b = malloc(len ? len : 1);
		memcpy(b, base->buf, len);
		for (u64 m = 1 + rnd(4); m; m--)
			mutate(b, len);
		u16 machine = rnd(10) ? base->machine : elf_arch_machine(elf_user_arches[rnd(3)]);
		struct elf_image im;
		const char *why = NULL, *what = NULL;
		int err = elf_parse(b, len, machine, LIMIT, &im, &why);
		if (err) {
			host_checks++;
			if ((err != -ENOEXEC && err != -EINVAL) || !why || im.reason == ELF_OK ||
			    im.reason >= ELF_NR_REASONS) {
				host_failures++;
				fprintf(stderr, "iteration %lu: refusal %d without a reason\n", it, err);
			} else {
				by_reason[im.reason]++;
			}
		} else {
			accepted++;
			host_checks++;
			if (!elf_image_ok(&im, len, LIMIT, &what)) {
				host_failures++;
				fprintf(stderr, "iteration %lu: accepted, but %s\n", it, what);
			}
			if (im.type == ET_DYN) {
				u64 bias = ALIGN_DOWN(host_xorshift(&rng) % LIMIT, im.max_align);
				if (elf_set_bias(&im, bias, LIMIT, &why) == 0) {
					dyn_moved++;
					host_checks++;
					if (!elf_image_ok(&im, len, LIMIT, &what)) {
						host_failures++;
						fprintf(stderr, "iteration %lu: biased by %#lx, but %s\n",
							it, (unsigned long)bias, what);
					}
				}
			}
		}
		free(b);
		if (host_failures > 20)
			break;
	}
	int reasons = 0;
	for (int r = 1; r < ELF_NR_REASONS; r++)
		reasons += by_reason[r] != 0;
	printf("elf fuzz: %lu files, %lu accepted (%lu ET_DYN moved), %d of %d refusal reasons "
	       "seen\n", iterations, accepted, dyn_moved, reasons, ELF_NR_REASONS - 1);
	for (int r = 1; r < ELF_NR_REASONS; r++)
		printf("  %7lu %s\n", by_reason[r], elf_reason_text(r));
	/* A pass that only ever refuses, or never reaches the deeper checks, proves little. */
	CHECK(accepted > iterations / 50);
	CHECK(reasons >= ELF_NR_REASONS - 4);
	for (int i = 0; i < nb; i++)
		free(bases[i].buf);
	return host_test_done("elf_fuzz");
}
