/* kernel/user/elf.c: the programs the cross compilers built (build/<arch>/user/, made by
 * host-test first) accepted for their own machine and refused for the others; a small
 * hand-made file accepted, then edited into each shape the parser must refuse, each refusal
 * checked for its reason and Linux's error number. Every file sits in a buffer of exactly its
 * length, so ASan sees any read past its end. */
#include "tests/host/host.h"
#include "tests/host/elf_files.h"
#include "kernel/errno.h"
#include "kernel/user/elf.h"

#define LIMIT 0x0000800000000000ull   /* x86_64's user limit; the parser takes any */

static u8 small[ELF_SMALL_SIZE];

/* Parse [buf, buf + len) from an exact-size copy. */
static int parse_copy(const u8 *buf, size_t len, u16 machine, struct elf_image *im,
		      const char **why)
{
	u8 *copy = malloc(len ? len : 1);
	memcpy(copy, buf, len);
	int err = elf_parse(copy, len, machine, LIMIT, im, why);
	free(copy);
	return err;
}

static void check_invariants(const struct elf_image *im, size_t len, u64 limit)
{
	const char *what = NULL;
	host_checks++;
	if (!elf_image_ok(im, len, limit, &what)) {
		host_failures++;
		fprintf(stderr, "accepted image breaks an invariant: %s\n", what);
	}
}

static void expect_refused(const char *what, const u8 *buf, size_t len, u16 machine,
			   enum elf_reason reason, int err, int bad_phdr)
{
	struct elf_image im;
	const char *why = NULL;
	int got = parse_copy(buf, len, machine, &im, &why);
	host_checks++;
	if (got != err || im.reason != reason || im.bad_phdr != bad_phdr || !why ||
	    strcmp(why, elf_reason_text(reason))) {
		host_failures++;
		fprintf(stderr, "%s: got %d reason %d phdr %d (%s), expected %d reason %d phdr %d\n",
			what, got, im.reason, im.bad_phdr, why ? why : "no message", err, reason,
			bad_phdr);
	}
}

/* A copy of the small file with one edit, refused as expected. */
#define REFUSED(what, edit, reason, err, phdr)                                    \
	do {                                                                      \
		u8 b[ELF_SMALL_SIZE];                                             \
		size_t len = sizeof(b);                                           \
		u16 machine = EM_X86_64;                                          \
		elf_small(b, EM_X86_64);                                          \
		edit;                                                             \
		(void)len, (void)machine;                                         \
		expect_refused(what, b, len, machine, reason, err, phdr);         \
	} while (0)

static void test_small(void)
{
	struct elf_image im;
	const char *why;
	elf_small(small, EM_X86_64);
	CHECK_EQ(parse_copy(small, sizeof(small), EM_X86_64, &im, &why), 0);
	check_invariants(&im, sizeof(small), LIMIT);
	CHECK_EQ(im.type, ET_EXEC);
	CHECK_EQ(im.entry, ELF_SMALL_ENTRY);
	CHECK_EQ(im.nr_segments, 2);
	CHECK_EQ(im.seg[0].prot, ELF_PROT_READ | ELF_PROT_EXEC);
	CHECK_EQ(im.seg[1].prot, ELF_PROT_READ | ELF_PROT_WRITE);
	CHECK_EQ(im.seg[1].filesz, 0x10);
	CHECK_EQ(im.seg[1].memsz, 0x2000);
	CHECK_EQ(im.lo, 0x400000);
	CHECK_EQ(im.hi, 0x403000);
	CHECK_EQ(im.phdr_addr, 0x400040);   /* from the text segment, which holds offset 64 */
	CHECK_EQ(im.phnum, 3);
	CHECK(im.has_gnu_stack && !im.exec_stack && !im.has_tls);
	CHECK_EQ(elf_set_bias(&im, 0, LIMIT, &why), 0);   /* bias 0 is no bias */
	CHECK_EQ(elf_set_bias(&im, 0x10000, LIMIT, &why), -EINVAL);   /* ET_EXEC does not move */
	CHECK_EQ(im.reason, ELF_BAD_BIAS);

	/* ppc64 with ELFv2 flags, and with unspecified (0) ones. */
	elf_small(small, EM_PPC64);
	CHECK_EQ(parse_copy(small, sizeof(small), EM_PPC64, &im, &why), 0);
	elf_put32(small, EH_FLAGS, 0);
	CHECK_EQ(parse_copy(small, sizeof(small), EM_PPC64, &im, &why), 0);

	/* Accepted shapes: a segment sharing the page where the one before ends; PT_PHDR; an
	 * executable stack; no PT_GNU_STACK; PT_TLS; an empty PT_LOAD (skipped). */
	u8 b[ELF_SMALL_SIZE];
	elf_small(b, EM_X86_64);
	elf_put64(b, elf_ph(0, PH_FILESZ), 0x800);
	elf_put64(b, elf_ph(0, PH_MEMSZ), 0x800);
	elf_put64(b, elf_ph(1, PH_OFFSET), 0x800);
	elf_put64(b, elf_ph(1, PH_VADDR), 0x400800);
	CHECK_EQ(parse_copy(b, sizeof(b), EM_X86_64, &im, &why), 0);
	check_invariants(&im, sizeof(b), LIMIT);
	CHECK_EQ(im.hi, 0x403000);
	elf_small(b, EM_X86_64);
	elf_put32(b, elf_ph(2, PH_TYPE), PT_PHDR);
	elf_put64(b, elf_ph(2, PH_VADDR), 0x400040);
	CHECK_EQ(parse_copy(b, sizeof(b), EM_X86_64, &im, &why), 0);
	CHECK_EQ(im.phdr_addr, 0x400040);
	CHECK(!im.has_gnu_stack && !im.exec_stack);
	elf_small(b, EM_X86_64);
	elf_put32(b, elf_ph(2, PH_FLAGS), PF_R | PF_W | PF_X);
	CHECK_EQ(parse_copy(b, sizeof(b), EM_X86_64, &im, &why), 0);
	CHECK(im.has_gnu_stack && im.exec_stack);
	elf_small(b, EM_X86_64);
	elf_put32(b, elf_ph(2, PH_TYPE), PT_TLS);
	elf_put64(b, elf_ph(2, PH_OFFSET), 0x1000);
	elf_put64(b, elf_ph(2, PH_VADDR), 0x401000);
	elf_put64(b, elf_ph(2, PH_FILESZ), 8);
	elf_put64(b, elf_ph(2, PH_MEMSZ), 32);
	CHECK_EQ(parse_copy(b, sizeof(b), EM_X86_64, &im, &why), 0);
	CHECK(im.has_tls && im.tls_vaddr == 0x401000 && im.tls_filesz == 8 && im.tls_memsz == 32);
	elf_small(b, EM_X86_64);
	elf_put32(b, elf_ph(2, PH_TYPE), PT_LOAD);
	CHECK_EQ(parse_copy(b, sizeof(b), EM_X86_64, &im, &why), 0);
	CHECK_EQ(im.nr_segments, 2);
	/* No segment holds the headers, no PT_PHDR: AT_PHDR is 0, as Linux gives. */
	u8 *big = calloc(1, ELF_SMALL_SIZE + 3 * 56);
	elf_small(big, EM_X86_64);
	memcpy(big + ELF_SMALL_SIZE, big + 64, 3 * 56);
	elf_put64(big, EH_PHOFF, ELF_SMALL_SIZE);
	CHECK_EQ(parse_copy(big, ELF_SMALL_SIZE + 3 * 56, EM_X86_64, &im, &why), 0);
	CHECK_EQ(im.phdr_addr, 0);
	free(big);
}

static void test_refusals(void)
{
	REFUSED("short header", len = 63, ELF_TRUNCATED_EHDR, -ENOEXEC, -1);
	REFUSED("empty", len = 0, ELF_TRUNCATED_EHDR, -ENOEXEC, -1);
	REFUSED("magic", b[1] = 'e', ELF_BAD_MAGIC, -ENOEXEC, -1);
	REFUSED("ELFCLASS32", b[4] = 1, ELF_BAD_CLASS, -ENOEXEC, -1);
	REFUSED("big-endian", b[5] = 2, ELF_BAD_DATA, -ENOEXEC, -1);
	REFUSED("EI_VERSION", b[6] = 0, ELF_BAD_VERSION, -ENOEXEC, -1);
	REFUSED("e_version", elf_put32(b, EH_VERSION, 2), ELF_BAD_VERSION, -ENOEXEC, -1);
	REFUSED("ET_REL", elf_put16(b, EH_TYPE, ET_REL), ELF_TYPE_REL, -ENOEXEC, -1);
	REFUSED("ET_CORE", elf_put16(b, EH_TYPE, ET_CORE), ELF_TYPE_CORE, -ENOEXEC, -1);
	REFUSED("ET_NONE", elf_put16(b, EH_TYPE, 0), ELF_TYPE_UNKNOWN, -ENOEXEC, -1);
	REFUSED("EM_386", elf_put16(b, EH_MACHINE, 3), ELF_WRONG_MACHINE, -ENOEXEC, -1);
	REFUSED("arm64 file on x86_64", elf_small(b, EM_AARCH64), ELF_WRONG_MACHINE, -ENOEXEC, -1);
	REFUSED("ppc64 ELFv1", (elf_small(b, EM_PPC64), elf_put32(b, EH_FLAGS, 1),
				machine = EM_PPC64), ELF_PPC64_ELFV1, -ENOEXEC, -1);
	REFUSED("e_phentsize", elf_put16(b, EH_PHENTSIZE, 32), ELF_BAD_PHENTSIZE, -ENOEXEC, -1);
	REFUSED("e_phnum 0", elf_put16(b, EH_PHNUM, 0), ELF_NO_PHDRS, -ENOEXEC, -1);
	REFUSED("e_phnum 74", elf_put16(b, EH_PHNUM, 74), ELF_TOO_MANY_PHDRS, -ENOEXEC, -1);
	REFUSED("e_phnum 0xffff", elf_put16(b, EH_PHNUM, 0xffff), ELF_TOO_MANY_PHDRS, -ENOEXEC,
		-1);
	REFUSED("phdrs past the end", elf_put64(b, EH_PHOFF, ELF_SMALL_SIZE - 100),
		ELF_TRUNCATED_PHDRS, -ENOEXEC, -1);
	REFUSED("e_phoff huge", elf_put64(b, EH_PHOFF, ~0ull - 8), ELF_TRUNCATED_PHDRS, -ENOEXEC,
		-1);
	REFUSED("cut in the phdrs", len = 64 + 56 * 2, ELF_TRUNCATED_PHDRS, -ENOEXEC, -1);
	REFUSED("PT_INTERP", elf_put32(b, elf_ph(2, PH_TYPE), PT_INTERP), ELF_INTERP, -ENOEXEC, 2);
	REFUSED("data past the end", elf_put64(b, elf_ph(1, PH_FILESZ), 0x11),
		ELF_SEGMENT_BEYOND_FILE, -ENOEXEC, 1);
	REFUSED("offset past the end", elf_put64(b, elf_ph(1, PH_OFFSET), ~0ull - 0xfff),
		ELF_SEGMENT_BEYOND_FILE, -ENOEXEC, 1);
	REFUSED("cut in the data", len = ELF_SMALL_SIZE - 1, ELF_SEGMENT_BEYOND_FILE, -ENOEXEC, 1);
	REFUSED("filesz > memsz", elf_put64(b, elf_ph(1, PH_MEMSZ), 8), ELF_FILESZ_OVER_MEMSZ,
		-EINVAL, 1);
	REFUSED("offset, vaddr misaligned", elf_put64(b, elf_ph(1, PH_VADDR), 0x401008),
		ELF_MISALIGNED, -EINVAL, 1);
	REFUSED("unsorted", elf_put64(b, elf_ph(1, PH_VADDR), 0x300000), ELF_UNSORTED, -ENOEXEC, 1);
	REFUSED("same start", elf_put64(b, elf_ph(1, PH_VADDR), 0x400000), ELF_OVERLAP, -EINVAL, 1);
	REFUSED("overlap", elf_put64(b, elf_ph(0, PH_MEMSZ), 0x1001), ELF_OVERLAP, -EINVAL, 1);
	REFUSED("beyond the limit", elf_put64(b, elf_ph(1, PH_VADDR), LIMIT - 0x1000),
		ELF_OUT_OF_RANGE, -EINVAL, 1);
	REFUSED("ends at the limit's page", (elf_put64(b, elf_ph(1, PH_VADDR), LIMIT - 0x2000),
					     elf_put64(b, elf_ph(1, PH_MEMSZ), 0x2001)),
		ELF_OUT_OF_RANGE, -EINVAL, 1);
	REFUSED("wraps around", elf_put64(b, elf_ph(1, PH_VADDR), ~0ull - 0xfff),
		ELF_OUT_OF_RANGE, -EINVAL, 1);
	REFUSED("memsz huge", elf_put64(b, elf_ph(1, PH_MEMSZ), ~0ull), ELF_OUT_OF_RANGE, -EINVAL,
		1);
	REFUSED("no PT_LOAD", (elf_put32(b, elf_ph(0, PH_TYPE), PT_NOTE),
			       elf_put32(b, elf_ph(1, PH_TYPE), PT_NOTE)), ELF_NO_LOAD, -ENOEXEC,
		-1);
	REFUSED("only empty PT_LOADs", (elf_put64(b, elf_ph(0, PH_MEMSZ), 0),
					elf_put64(b, elf_ph(0, PH_FILESZ), 0),
					elf_put32(b, elf_ph(1, PH_TYPE), PT_NOTE)),
		ELF_NO_LOAD, -ENOEXEC, -1);
	REFUSED("entry in data", elf_put64(b, EH_ENTRY, 0x401000), ELF_ENTRY_NOT_EXEC, -ENOEXEC,
		-1);
	REFUSED("entry nowhere", elf_put64(b, EH_ENTRY, 0x9000000), ELF_ENTRY_NOT_EXEC, -ENOEXEC,
		-1);
	REFUSED("entry just past the text", elf_put64(b, EH_ENTRY, 0x401000),
		ELF_ENTRY_NOT_EXEC, -ENOEXEC, -1);
	REFUSED("PT_PHDR unloaded", (elf_put32(b, elf_ph(2, PH_TYPE), PT_PHDR),
				     elf_put64(b, elf_ph(2, PH_VADDR), 0x500000)),
		ELF_PHDR_NOT_LOADED, -ENOEXEC, -1);
	REFUSED("PT_PHDR in bss", (elf_put32(b, elf_ph(2, PH_TYPE), PT_PHDR),
				   elf_put64(b, elf_ph(2, PH_VADDR), 0x401010)),
		ELF_PHDR_NOT_LOADED, -ENOEXEC, -1);
	REFUSED("PT_TLS filesz > memsz", (elf_put32(b, elf_ph(2, PH_TYPE), PT_TLS),
					  elf_put64(b, elf_ph(2, PH_FILESZ), 8)),
		ELF_BAD_TLS, -ENOEXEC, 2);
	REFUSED("PT_TLS align 3", (elf_put32(b, elf_ph(2, PH_TYPE), PT_TLS),
				   elf_put64(b, elf_ph(2, PH_ALIGN), 3)), ELF_BAD_TLS, -ENOEXEC, 2);

	/* Seventeen PT_LOADs, one more than kept. */
	u8 b[ELF_SMALL_SIZE];
	elf_small(b, EM_X86_64);
	elf_put16(b, EH_PHNUM, 17);
	for (int i = 0; i < 17; i++) {
		elf_put32(b, elf_ph(i, PH_TYPE), PT_LOAD);
		elf_put32(b, elf_ph(i, PH_FLAGS), PF_R | PF_X);
		elf_put64(b, elf_ph(i, PH_OFFSET), 0);
		elf_put64(b, elf_ph(i, PH_VADDR), 0x400000 + 0x1000ull * (u64)i);
		elf_put64(b, elf_ph(i, PH_FILESZ), 0x200);
		elf_put64(b, elf_ph(i, PH_MEMSZ), 0x200);
	}
	expect_refused("17 PT_LOADs", b, sizeof(b), EM_X86_64, ELF_TOO_MANY_SEGMENTS, -ENOEXEC, 16);
	elf_put16(b, EH_PHNUM, 16);
	struct elf_image im;
	const char *why;
	CHECK_EQ(parse_copy(b, sizeof(b), EM_X86_64, &im, &why), 0);
	CHECK_EQ(im.nr_segments, 16);
}

/* Is the program header table at im->phdr_addr in memory the one in the file? */
static bool phdrs_loaded(const struct elf_image *im, const u8 *buf)
{
	u64 phoff = elf_get64(buf, EH_PHOFF);
	for (unsigned i = 0; i < im->nr_segments; i++) {
		const struct elf_segment *s = &im->seg[i];
		if (im->phdr_addr >= s->vaddr && im->phdr_addr < s->vaddr + s->filesz)
			return s->offset + (im->phdr_addr - s->vaddr) == phoff;
	}
	return false;
}

static void test_real_files(void)
{
	int seen_exec = 0, seen_dyn = 0, files = 0;
	for (int a = 0; a < 3; a++) {
		const char *arch = elf_user_arches[a];
		char **names = elf_list_programs(arch);
		if (!names[0]) {
			fprintf(stderr, "no programs in build/%s/user: host-test builds them first "
				"(make ARCH=%s user)\n", arch, arch);
			host_failures++;
		}
		for (char **n = names; *n; n++) {
			size_t len;
			u8 *buf = elf_load_file(arch, *n, &len);
			struct elf_image im;
			const char *why = "";
			int err = elf_parse(buf, len, elf_arch_machine(arch), LIMIT, &im, &why);
			host_checks++;
			if (err) {
				host_failures++;
				fprintf(stderr, "%s/%s refused: %s\n", arch, *n, why);
				free(buf);
				continue;
			}
			files++;
			check_invariants(&im, len, LIMIT);
			CHECK(phdrs_loaded(&im, buf));
			CHECK_EQ(im.phnum, elf_get16(buf, EH_PHNUM));
			CHECK(im.has_gnu_stack && !im.exec_stack);
			CHECK_EQ(im.type == ET_DYN, !strncmp(*n, "pie_", 4));
			seen_exec += im.type == ET_EXEC;
			seen_dyn += im.type == ET_DYN;
			if (im.type == ET_DYN) {
				/* A static PIE moves by a multiple of its largest alignment. */
				struct elf_image moved = im;
				u64 base = 0x7f0000000000ull;
				CHECK_EQ(elf_set_bias(&moved, base, LIMIT, &why), 0);
				check_invariants(&moved, len, LIMIT);
				CHECK_EQ(moved.entry, im.entry + base);
				CHECK_EQ(moved.phdr_addr, im.phdr_addr + base);
				CHECK(phdrs_loaded(&moved, buf));
				moved = im;
				CHECK_EQ(elf_set_bias(&moved, im.max_align / 2, LIMIT, &why), -EINVAL);
				moved = im;
				CHECK_EQ(elf_set_bias(&moved, LIMIT - im.hi + 0x1000000, LIMIT, &why),
					 -EINVAL);
			}
			/* Every other machine refuses it. */
			for (int o = 0; o < 3; o++) {
				if (o == a)
					continue;
				struct elf_image other;
				CHECK_EQ(elf_parse(buf, len, elf_arch_machine(elf_user_arches[o]),
						   LIMIT, &other, &why), -ENOEXEC);
				CHECK_EQ(other.reason, ELF_WRONG_MACHINE);
			}
			/* A cut of it is refused if it loses header or segment bytes, accepted
			 * if it loses only what follows them (sections, symbols), and never
			 * read past. */
			u64 need = elf_get64(buf, EH_PHOFF) + 56ull * im.phnum;
			for (unsigned i = 0; i < im.nr_segments; i++)
				need = MAX(need, im.seg[i].offset + im.seg[i].filesz);
			for (size_t cut = 0; cut < len; cut += cut < 256 ? 1 : 509) {
				u8 *part = malloc(cut ? cut : 1);
				memcpy(part, buf, cut);
				struct elf_image c;
				CHECK_EQ(elf_parse(part, cut, elf_arch_machine(arch), LIMIT, &c,
						   &why) == 0, cut >= need);
				free(part);
			}
			free(buf);
		}
		for (char **n = names; *n; n++)
			free(*n);
		free(names);
	}
	printf("real files: %d accepted (%d ET_EXEC, %d ET_DYN)\n", files, seen_exec, seen_dyn);
	CHECK(seen_exec >= 3 && seen_dyn >= 3);
}

int main(void)
{
	test_small();
	test_refusals();
	test_real_files();
	for (int r = 0; r < ELF_NR_REASONS; r++)
		CHECK(elf_reason_text(r)[0]);
	return host_test_done("elf");
}
