/* The initramfs the loader passed (kernel/user/initramfs.h; tools/qemu-run passes
 * build/<arch>/initramfs.cpio when it exists): reserved from the allocator and readable through
 * the direct map; its entries listed; every ELF file in it accepted by elf_parse for this
 * machine (and a static PIE placed at a bias); copies of one edited into malformed shapes and
 * refused with the right reason; an initial stack built for init= and its arguments. Every case
 * skips, saying why, when the boot had no initramfs. */
#include "kernel/ktest.h"
#include "arch/arch.h"
#include "kernel/errno.h"
#include "kernel/user/elf.h"
#include "kernel/user/exec_stack.h"
#include "kernel/user/init.h"
#include "kernel/user/initramfs.h"
#include "lib/string.h"
#include "mm/page.h"

#define NO_INITRAMFS "no initramfs (tools/qemu-run passes build/<arch>/initramfs.cpio; make all)"

static const char *type_name(u16 type) { return type == ET_EXEC ? "ET_EXEC" : "ET_DYN"; }

static bool is_elf(const struct cpio_entry *e)
{
	return cpio_is_reg(e) && e->size >= 4 && !memcmp(e->data, "\177ELF", 4);
}

KTEST(initramfs, reserved_and_mapped)
{
	const void *data;
	size_t size;
	phys_addr_t pa;
	if (!initramfs_get(&data, &size, &pa))
		KSKIP(t, NO_INITRAMFS);
	ktest_log(t, "%lu bytes at %#lx", (unsigned long)size, (unsigned long)pa);
	KEXPECT_EQ(t, data, phys_to_virt(pa));
	/* Every page it touches is outside the allocator's reach. */
	unsigned unreserved = 0;
	for (pfn_t pfn = pa >> PAGE_SHIFT; pfn <= (pa + size - 1) >> PAGE_SHIFT; pfn++)
		unreserved += !(pfn_to_page(pfn)->flags & PG_reserved);
	KEXPECT_EQ(t, unreserved, 0);
	/* A newc archive: the first header's magic, and the end holds only padding. */
	KEXPECT(t, !memcmp(data, "07070", 5));
}

KTEST(initramfs, entries)
{
	const void *data;
	size_t size;
	if (!initramfs_get(&data, &size, NULL))
		KSKIP(t, NO_INITRAMFS);
	struct cpio_iter it;
	struct cpio_entry e;
	const char *why = NULL;
	unsigned n = 0;
	int r;
	cpio_iter_init(&it, data, size);
	while ((r = cpio_next(&it, &e, &why)) > 0) {
		ktest_log(t, "%06o %8lu %s", (unsigned)e.mode, (unsigned long)e.size, e.name);
		n++;
	}
	KEXPECT_EQ(t, r, 0);
	KEXPECT(t, n >= 1);
	struct cpio_entry init;
	KEXPECT_EQ(t, initramfs_find("/init", &init), 0);
	KEXPECT_EQ(t, initramfs_find("./init", &e), 0);
	KEXPECT_EQ(t, initramfs_find("init", &e), 0);
	KEXPECT_EQ(t, e.data, init.data);
	KEXPECT_EQ(t, initramfs_find("/no/such/file", &e), -ENOENT);
}

KTEST(initramfs, elfs_accepted)
{
	const void *data;
	size_t size;
	if (!initramfs_get(&data, &size, NULL))
		KSKIP(t, NO_INITRAMFS);
	struct cpio_iter it;
	struct cpio_entry e;
	unsigned exec = 0, dyn = 0;
	cpio_iter_init(&it, data, size);
	while (cpio_next(&it, &e, NULL) > 0) {
		if (!is_elf(&e))
			continue;
		struct elf_image im;
		const char *why = NULL;
		int err = elf_parse(e.data, e.size, ARCH_ELF_MACHINE, USER_VA_END, &im, &why);
		if (err) {
			ktest_fail(t, __FILE__, __LINE__, "%s refused: %s", e.name, why);
			continue;
		}
		ktest_log(t, "%s: %s, entry %#lx, %u segments [%#lx-%#lx), AT_PHDR %#lx", e.name,
			  type_name(im.type), (unsigned long)im.entry, im.nr_segments,
			  (unsigned long)im.lo, (unsigned long)im.hi, (unsigned long)im.phdr_addr);
		exec += im.type == ET_EXEC;
		dyn += im.type == ET_DYN;
		if (im.type == ET_DYN) {
			/* Where Linux puts a static PIE on x86_64 (ELF_ET_DYN_BASE), rounded to its
			 * alignment; any aligned base in range would do. */
			u64 base = ALIGN_UP(USER_VA_END / 3 * 2, im.max_align);
			u64 entry = im.entry;
			KEXPECT_EQ(t, elf_set_bias(&im, base, USER_VA_END, &why), 0);
			KEXPECT_EQ(t, im.entry, entry + base);
			KEXPECT(t, im.seg[0].vaddr >= base && im.hi <= USER_VA_END);
		}
	}
	ktest_log(t, "%u ET_EXEC and %u ET_DYN files accepted", exec, dyn);
	KEXPECT(t, exec >= 1);
}

/* /init copied into pages of its own, to be edited. */
struct copy {
	struct page *pages;
	unsigned order;
	u8 *buf;
	size_t size;
};

static bool copy_init(struct ktest *t, struct copy *c)
{
	struct cpio_entry e;
	if (!KEXPECT_EQ(t, initramfs_find("/init", &e), 0) || !KEXPECT(t, is_elf(&e)))
		return false;
	c->order = 0;
	while ((PAGE_SIZE << c->order) < e.size)
		c->order++;
	c->pages = alloc_pages(c->order, 0);
	if (!KEXPECT(t, c->pages != NULL))
		return false;
	c->buf = page_address(c->pages);
	c->size = e.size;
	memcpy(c->buf, e.data, e.size);
	return true;
}

static void expect_refused(struct ktest *t, const char *what, const u8 *buf, size_t len,
			   enum elf_reason reason)
{
	struct elf_image im;
	const char *why = NULL;
	int err = elf_parse(buf, len, ARCH_ELF_MACHINE, USER_VA_END, &im, &why);
	if (err == 0 || im.reason != reason)
		ktest_fail(t, __FILE__, __LINE__, "%s: got %d (%s), expected: %s", what, err,
			   why ? why : "", elf_reason_text(reason));
	else
		ktest_log(t, "%s: refused: %s", what, why);
}

KTEST(initramfs, malformed_refused)
{
	const void *data;
	size_t size;
	struct copy c;
	if (!initramfs_get(&data, &size, NULL))
		KSKIP(t, NO_INITRAMFS);
	if (!copy_init(t, &c))
		return;
	u16 machine, phnum, other = ARCH_ELF_MACHINE == EM_X86_64 ? EM_AARCH64 : EM_X86_64;
	u64 phoff;
	memcpy(&phnum, c.buf + 56, 2);
	memcpy(&phoff, c.buf + 32, 8);

	expect_refused(t, "cut to 100 bytes", c.buf, 100, ELF_TRUNCATED_PHDRS);
	expect_refused(t, "cut to 40 bytes", c.buf, 40, ELF_TRUNCATED_EHDR);
	memcpy(&machine, c.buf + 18, 2);
	memcpy(c.buf + 18, &other, 2);
	expect_refused(t, "another machine", c.buf, c.size, ELF_WRONG_MACHINE);
	memcpy(c.buf + 18, &machine, 2);
	c.buf[4] = 1;
	expect_refused(t, "ELFCLASS32", c.buf, c.size, ELF_BAD_CLASS);
	c.buf[4] = 2;
	/* The last program header (PT_GNU_STACK in every program here) becomes PT_INTERP. */
	u32 interp = PT_INTERP, old_type;
	size_t last = phoff + 56 * (size_t)(phnum - 1);
	memcpy(&old_type, c.buf + last, 4);
	memcpy(c.buf + last, &interp, 4);
	expect_refused(t, "PT_INTERP", c.buf, c.size, ELF_INTERP);
	memcpy(c.buf + last, &old_type, 4);
	/* The first PT_LOAD's file bytes reach past the end. */
	for (unsigned i = 0; i < phnum; i++) {
		u32 type;
		memcpy(&type, c.buf + phoff + 56 * i, 4);
		if (type != PT_LOAD)
			continue;
		u64 huge = c.size * 2;
		memcpy(c.buf + phoff + 56 * i + 32, &huge, 8);   /* p_filesz */
		memcpy(c.buf + phoff + 56 * i + 40, &huge, 8);   /* p_memsz */
		expect_refused(t, "segment past the end", c.buf, c.size, ELF_SEGMENT_BEYOND_FILE);
		break;
	}
	/* The untouched original is still accepted: the edits were the cause. */
	struct cpio_entry e;
	initramfs_find("/init", &e);
	memcpy(c.buf, e.data, e.size);
	struct elf_image im;
	KEXPECT_EQ(t, elf_parse(c.buf, c.size, ARCH_ELF_MACHINE, USER_VA_END, &im, NULL), 0);
	free_pages(c.pages, c.order);

	/* The archive cut short is refused too. */
	unsigned entries, files;
	const char *why = NULL;
	KEXPECT_EQ(t, cpio_count(data, 200, &entries, &files, &why, NULL), -EINVAL);
	ktest_log(t, "archive cut to 200 bytes: refused: %s", why ? why : "?");
}

KTEST(initramfs, init_stack)
{
	struct cpio_entry e;
	const char *const *argv, *const *envp;
	int argc = user_init_argv(&argv);
	user_init_envp(&envp);
	const void *data;
	size_t size;
	if (!initramfs_get(&data, &size, NULL))
		KSKIP(t, NO_INITRAMFS);
	ktest_log(t, "init=%s%s, %d argument(s)", user_init_path(),
		  user_init_given() ? "" : " (the default)", argc);
	for (int i = 0; i < argc; i++)
		ktest_log(t, "  argv[%d] = '%s'", i, argv[i]);
	KEXPECT(t, !strcmp(argv[0], user_init_path()) && argv[argc] == NULL);
	if (initramfs_find(user_init_path(), &e))
		KSKIP(t, "init= names no file in the initramfs");
	struct elf_image im;
	const char *why = NULL;
	KASSERT_EQ(t, elf_parse(e.data, e.size, ARCH_ELF_MACHINE, USER_VA_END, &im, &why), 0);
	if (im.type == ET_DYN)
		KASSERT_EQ(t, elf_set_bias(&im, ALIGN_UP(USER_VA_END / 3 * 2, im.max_align),
					USER_VA_END, &why), 0);
	struct page *p = alloc_page(GFP_ZERO);
	KASSERT(t, p != NULL);
	static const u8 rnd[16] = { 0x5a };
	struct exec_stack_args a = {
		.argv = argv, .envp = envp, .execfn = user_init_path(), .random = rnd,
		.image = &im, .page_size = PAGE_SIZE,
	};
	struct exec_stack st;
	u64 top = USER_VA_END - PAGE_SIZE;
	u8 *buf = page_address(p);
	KEXPECT_EQ(t, exec_stack_build(buf, PAGE_SIZE, top, &a, &st), 0);
	KEXPECT(t, st.sp % 16 == 0 && st.argc == (unsigned)argc && st.size <= PAGE_SIZE);
	u64 v, base = top - PAGE_SIZE;
	memcpy(&v, buf + (st.sp - base), 8);
	KEXPECT_EQ(t, v, argc);
	memcpy(&v, buf + (st.argv - base), 8);
	KEXPECT(t, v >= st.sp && v < top && !strcmp((char *)buf + (v - base), argv[0]));
	ktest_log(t, "stack: %lu bytes, sp %#lx, %u auxv entries", (unsigned long)st.size,
		  (unsigned long)st.sp, st.nr_auxv);
	free_page(p);
}
