/* The ELF64 checks of elf.h: header, then program headers in file order, then what needs them
 * all (the entry, where the headers land). Every field is copied out of the buffer before it is
 * used (the buffer has no alignment), and every offset is checked against len without
 * overflowing. Every port is little-endian, as are the files it accepts, so the copies need no
 * byte swapping. */
#include "kernel/user/elf.h"
#include "kernel/compiler.h"
#include "kernel/errno.h"
#include "lib/string.h"

struct elf64_ehdr {
	u8 e_ident[16];
	u16 e_type, e_machine;
	u32 e_version;
	u64 e_entry, e_phoff, e_shoff;
	u32 e_flags;
	u16 e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_phdr {
	u32 p_type, p_flags;
	u64 p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

STATIC_ASSERT(sizeof(struct elf64_ehdr) == ELF_EHDR_SIZE, "Elf64_Ehdr is 64 bytes");
STATIC_ASSERT(sizeof(struct elf64_phdr) == ELF_PHDR_SIZE, "Elf64_Phdr is 56 bytes");

#define EI_CLASS      4
#define EI_DATA       5
#define EI_VERSION    6
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define EV_CURRENT    1
#define EF_PPC64_ABI  3   /* e_flags bits 0-1 on EM_PPC64: 1 ELFv1, 2 ELFv2, 0 unspecified */

static const struct {
	int err;
	const char *text;
} reasons[ELF_NR_REASONS] = {
	[ELF_OK] = { 0, "accepted" },
	[ELF_TRUNCATED_EHDR] = { -ENOEXEC, "shorter than an ELF header (64 bytes)" },
	[ELF_BAD_MAGIC] = { -ENOEXEC, "not an ELF file (no \\x7fELF magic)" },
	[ELF_BAD_CLASS] = { -ENOEXEC, "not ELFCLASS64: only 64-bit programs run here" },
	[ELF_BAD_DATA] = { -ENOEXEC, "not little-endian (ELFDATA2LSB): every port is little-endian" },
	[ELF_BAD_VERSION] = { -ENOEXEC, "unknown ELF version (EI_VERSION and e_version must be 1)" },
	[ELF_TYPE_REL] = { -ENOEXEC, "a relocatable object (ET_REL), not an executable: link it" },
	[ELF_TYPE_CORE] = { -ENOEXEC, "a core dump (ET_CORE), not an executable" },
	[ELF_TYPE_UNKNOWN] = { -ENOEXEC, "not an executable (e_type is not ET_EXEC or ET_DYN)" },
	[ELF_WRONG_MACHINE] = { -ENOEXEC, "built for another machine (e_machine)" },
	[ELF_PPC64_ELFV1] = { -ENOEXEC, "ppc64 ELFv1 ABI (function descriptors): "
					"little-endian ppc64 runs ELFv2 only" },
	[ELF_BAD_PHENTSIZE] = { -ENOEXEC, "e_phentsize is not 56, the size of Elf64_Phdr" },
	[ELF_NO_PHDRS] = { -ENOEXEC, "no program headers (e_phnum is 0)" },
	[ELF_TOO_MANY_PHDRS] = { -ENOEXEC, "too many program headers (more than fit in 4 KiB)" },
	[ELF_TRUNCATED_PHDRS] = { -ENOEXEC, "the program headers run past the end of the file" },
	[ELF_INTERP] = { -ENOEXEC, "dynamically linked (PT_INTERP): there is no dynamic loader; "
				   "link with -static or -static-pie" },
	[ELF_SEGMENT_BEYOND_FILE] = { -ENOEXEC, "a segment's file bytes run past the end of the "
						"file" },
	[ELF_FILESZ_OVER_MEMSZ] = { -EINVAL, "a segment has p_filesz > p_memsz" },
	[ELF_MISALIGNED] = { -EINVAL, "a segment's p_offset and p_vaddr differ modulo the page "
				      "size, so it cannot be mapped" },
	[ELF_UNSORTED] = { -ENOEXEC, "PT_LOAD segments are not in ascending p_vaddr order" },
	[ELF_OVERLAP] = { -EINVAL, "two PT_LOAD segments overlap" },
	[ELF_OUT_OF_RANGE] = { -EINVAL, "a segment wraps around or ends beyond the user address "
					"space" },
	[ELF_TOO_MANY_SEGMENTS] = { -ENOEXEC, "more than 16 PT_LOAD segments" },
	[ELF_NO_LOAD] = { -ENOEXEC, "nothing to load (no PT_LOAD with p_memsz > 0)" },
	[ELF_ENTRY_NOT_EXEC] = { -ENOEXEC, "the entry point is outside every executable segment" },
	[ELF_PHDR_NOT_LOADED] = { -ENOEXEC, "PT_PHDR points outside the file bytes of every "
					    "PT_LOAD" },
	[ELF_BAD_TLS] = { -ENOEXEC, "PT_TLS is malformed (p_filesz > p_memsz, past the end of the "
				    "file, or p_align not a power of two)" },
	[ELF_BAD_BIAS] = { -EINVAL, "load bias not allowed: only ET_DYN moves, by a multiple of its "
				    "alignment, within the user address space" },
};

const char *elf_reason_text(enum elf_reason r)
{
	return (unsigned)r < ELF_NR_REASONS ? reasons[r].text : "unknown reason";
}

static int refuse(struct elf_image *out, enum elf_reason r, int phdr, const char **why)
{
	out->reason = r;
	out->bad_phdr = phdr;
	if (why)
		*why = reasons[r].text;
	return reasons[r].err;
}

static bool is_pow2(u64 x) { return x && !(x & (x - 1)); }

static unsigned prot_of(u32 flags)
{
	return ((flags & PF_R) ? ELF_PROT_READ : 0) | ((flags & PF_W) ? ELF_PROT_WRITE : 0) |
	       ((flags & PF_X) ? ELF_PROT_EXEC : 0);
}

/* Does [off, off + size) lie inside a buffer of len bytes? */
static bool in_file(u64 off, u64 size, size_t len)
{
	return off <= len && size <= len - off;
}

static int check_header(const struct elf64_ehdr *eh, size_t len, u16 machine,
			struct elf_image *out, const char **why)
{
	if (memcmp(eh->e_ident, "\177ELF", 4))
		return refuse(out, ELF_BAD_MAGIC, -1, why);
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return refuse(out, ELF_BAD_CLASS, -1, why);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return refuse(out, ELF_BAD_DATA, -1, why);
	if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return refuse(out, ELF_BAD_VERSION, -1, why);
	if (eh->e_type == ET_REL)
		return refuse(out, ELF_TYPE_REL, -1, why);
	if (eh->e_type == ET_CORE)
		return refuse(out, ELF_TYPE_CORE, -1, why);
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return refuse(out, ELF_TYPE_UNKNOWN, -1, why);
	if (eh->e_machine != machine)
		return refuse(out, ELF_WRONG_MACHINE, -1, why);
	/* Linux on little-endian ppc64 runs ELFv2 and unspecified (0) only. */
	if (machine == EM_PPC64 && (eh->e_flags & EF_PPC64_ABI) == 1)
		return refuse(out, ELF_PPC64_ELFV1, -1, why);
	if (eh->e_phentsize != ELF_PHDR_SIZE)
		return refuse(out, ELF_BAD_PHENTSIZE, -1, why);
	if (eh->e_phnum == 0)
		return refuse(out, ELF_NO_PHDRS, -1, why);
	if (eh->e_phnum > ELF_MAX_PHNUM)
		return refuse(out, ELF_TOO_MANY_PHDRS, -1, why);
	if (!in_file(eh->e_phoff, (u64)eh->e_phnum * ELF_PHDR_SIZE, len))
		return refuse(out, ELF_TRUNCATED_PHDRS, -1, why);
	return 0;
}

/* One PT_LOAD: checked on its own, then against the one before it (they must come in address
 * order and not overlap; two may share a page, as the linker lays out text and data). */
static int add_load(const struct elf64_phdr *ph, int i, size_t len, u64 user_limit,
		    struct elf_image *out, const char **why)
{
	if (ph->p_filesz > ph->p_memsz)
		return refuse(out, ELF_FILESZ_OVER_MEMSZ, i, why);
	if (!in_file(ph->p_offset, ph->p_filesz, len))
		return refuse(out, ELF_SEGMENT_BEYOND_FILE, i, why);
	if ((ph->p_offset ^ ph->p_vaddr) & (ELF_PAGE_SIZE - 1))
		return refuse(out, ELF_MISALIGNED, i, why);
	if (ph->p_memsz > user_limit || ph->p_vaddr > user_limit - ph->p_memsz)
		return refuse(out, ELF_OUT_OF_RANGE, i, why);
	if (ph->p_memsz == 0)
		return 0;   /* nothing to map (Linux maps nothing for it either) */
	if (out->nr_segments) {
		const struct elf_segment *prev = &out->seg[out->nr_segments - 1];
		if (ph->p_vaddr < prev->vaddr)
			return refuse(out, ELF_UNSORTED, i, why);
		if (ph->p_vaddr < prev->vaddr + prev->memsz)
			return refuse(out, ELF_OVERLAP, i, why);
	}
	if (out->nr_segments == ELF_MAX_SEGMENTS)
		return refuse(out, ELF_TOO_MANY_SEGMENTS, i, why);
	out->seg[out->nr_segments++] = (struct elf_segment){
		.vaddr = ph->p_vaddr, .memsz = ph->p_memsz, .offset = ph->p_offset,
		.filesz = ph->p_filesz, .prot = prot_of(ph->p_flags),
	};
	if (is_pow2(ph->p_align) && ph->p_align > out->max_align)
		out->max_align = ph->p_align;
	return 0;
}

/* The segment whose file bytes [offset, offset + filesz) hold [off, off + size), or NULL. */
static const struct elf_segment *file_bytes_in(const struct elf_image *im, u64 off, u64 size)
{
	for (unsigned i = 0; i < im->nr_segments; i++) {
		const struct elf_segment *s = &im->seg[i];
		if (off >= s->offset && off - s->offset <= s->filesz &&
		    size <= s->filesz - (off - s->offset))
			return s;
	}
	return NULL;
}

/* Is [va, va + size) inside the file bytes of one segment once loaded? */
static bool loaded_from_file(const struct elf_image *im, u64 va, u64 size)
{
	for (unsigned i = 0; i < im->nr_segments; i++) {
		const struct elf_segment *s = &im->seg[i];
		if (va >= s->vaddr && va - s->vaddr <= s->filesz &&
		    size <= s->filesz - (va - s->vaddr))
			return true;
	}
	return false;
}

int elf_parse(const void *buf, size_t len, u16 machine, u64 user_limit, struct elf_image *out,
	      const char **why)
{
	struct elf64_ehdr eh;
	struct elf64_phdr ph;
	u64 pt_phdr = 0;
	bool have_pt_phdr = false;
	int err;

	memset(out, 0, sizeof(*out));
	out->max_align = ELF_PAGE_SIZE;
	user_limit = ALIGN_DOWN(user_limit, ELF_PAGE_SIZE);   /* so a segment's last page fits too */
	if (len < sizeof(eh))
		return refuse(out, ELF_TRUNCATED_EHDR, -1, why);
	memcpy(&eh, buf, sizeof(eh));
	err = check_header(&eh, len, machine, out, why);
	if (err)
		return err;
	out->type = eh.e_type;
	out->machine = eh.e_machine;
	out->entry = eh.e_entry;
	out->phent = eh.e_phentsize;
	out->phnum = eh.e_phnum;

	for (int i = 0; i < eh.e_phnum; i++) {
		memcpy(&ph, (const u8 *)buf + eh.e_phoff + (u64)i * ELF_PHDR_SIZE, sizeof(ph));
		switch (ph.p_type) {
		case PT_LOAD:
			err = add_load(&ph, i, len, user_limit, out, why);
			if (err)
				return err;
			break;
		case PT_INTERP:
			return refuse(out, ELF_INTERP, i, why);
		case PT_PHDR:
			have_pt_phdr = true;
			pt_phdr = ph.p_vaddr;
			break;
		case PT_GNU_STACK:
			out->has_gnu_stack = true;
			out->exec_stack = ph.p_flags & PF_X;
			break;
		case PT_TLS:
			if (ph.p_filesz > ph.p_memsz || !in_file(ph.p_offset, ph.p_filesz, len) ||
			    (ph.p_align && !is_pow2(ph.p_align)))
				return refuse(out, ELF_BAD_TLS, i, why);
			out->has_tls = true;
			out->tls_vaddr = ph.p_vaddr;
			out->tls_filesz = ph.p_filesz;
			out->tls_memsz = ph.p_memsz;
			out->tls_align = ph.p_align;
			break;
		default:
			break;
		}
	}
	if (out->nr_segments == 0)
		return refuse(out, ELF_NO_LOAD, -1, why);

	bool entry_ok = false;
	for (unsigned i = 0; i < out->nr_segments; i++) {
		const struct elf_segment *s = &out->seg[i];
		entry_ok |= (s->prot & ELF_PROT_EXEC) && out->entry >= s->vaddr &&
			    out->entry - s->vaddr < s->memsz;
	}
	if (!entry_ok)
		return refuse(out, ELF_ENTRY_NOT_EXEC, -1, why);

	/* AT_PHDR: PT_PHDR says where the headers are, and must be loaded from the file; without
	 * it, the segment whose file bytes hold them (what Linux uses whether or not there is a
	 * PT_PHDR; linkers make the two agree). Neither: 0, as Linux passes then. */
	u64 table = (u64)eh.e_phnum * ELF_PHDR_SIZE;
	const struct elf_segment *holder = file_bytes_in(out, eh.e_phoff, table);
	if (have_pt_phdr) {
		if (!loaded_from_file(out, pt_phdr, table))
			return refuse(out, ELF_PHDR_NOT_LOADED, -1, why);
		out->phdr_addr = pt_phdr;
	} else if (holder) {
		out->phdr_addr = holder->vaddr + (eh.e_phoff - holder->offset);
	}

	out->lo = ALIGN_DOWN(out->seg[0].vaddr, ELF_PAGE_SIZE);
	const struct elf_segment *last = &out->seg[out->nr_segments - 1];
	out->hi = ALIGN_UP(last->vaddr + last->memsz, ELF_PAGE_SIZE);
	out->reason = ELF_OK;
	out->bad_phdr = -1;
	if (why)
		*why = reasons[ELF_OK].text;
	return 0;
}

int elf_set_bias(struct elf_image *im, u64 bias, u64 user_limit, const char **why)
{
	if (bias == 0)
		return 0;
	user_limit = ALIGN_DOWN(user_limit, ELF_PAGE_SIZE);
	if (im->type != ET_DYN || bias % im->max_align || im->hi > user_limit ||
	    bias > user_limit - im->hi)
		return refuse(im, ELF_BAD_BIAS, -1, why);
	im->bias = bias;
	im->entry += bias;
	im->lo += bias;
	im->hi += bias;
	for (unsigned i = 0; i < im->nr_segments; i++)
		im->seg[i].vaddr += bias;
	if (im->phdr_addr)
		im->phdr_addr += bias;
	if (im->has_tls)
		im->tls_vaddr += bias;
	return 0;
}
