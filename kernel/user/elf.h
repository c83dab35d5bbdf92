/* Checking a user program before it is loaded: an ELF64 static executable (ET_EXEC) or static
 * PIE (ET_DYN without PT_INTERP), little-endian, for one machine. Pure: it reads the caller's
 * buffer and fills a struct, nothing else (no allocation, no locking), so the host tests and
 * fuzzer compile it as it is. docs/user.md lists every check and what Linux does in its place.
 *
 *     struct elf_image im;
 *     const char *why;
 *     int err = elf_parse(buf, len, ARCH_ELF_MACHINE, USER_VA_END, &im, &why);
 *     if (err) { pr_err("exec: %s: %s\n", path, why); return err; }
 *     if (im.type == ET_DYN) err = elf_set_bias(&im, base, USER_VA_END, &why);
 *     ... map im.seg[0..nr_segments): im.seg[i].filesz bytes from buf + offset at vaddr,
 *         zeroes up to memsz; enter at im.entry with the stack of exec_stack.h.
 */
#ifndef KERNEL_USER_ELF_H
#define KERNEL_USER_ELF_H

#include "kernel/types.h"

/* e_machine values (the ELF psABI of each). */
#define EM_PPC64   21
#define EM_X86_64  62
#define EM_AARCH64 183

/* e_type values. */
#define ET_REL  1
#define ET_EXEC 2
#define ET_DYN  3
#define ET_CORE 4

/* p_type values this parser knows. */
#define PT_NULL      0
#define PT_LOAD      1
#define PT_DYNAMIC   2
#define PT_INTERP    3
#define PT_NOTE      4
#define PT_PHDR      6
#define PT_TLS       7
#define PT_GNU_STACK 0x6474e551

/* p_flags */
#define PF_X 1
#define PF_W 2
#define PF_R 4

#define ELF_EHDR_SIZE 64   /* sizeof(Elf64_Ehdr) */
#define ELF_PHDR_SIZE 56   /* sizeof(Elf64_Phdr): the only e_phentsize accepted, as in Linux */
/* The granule that p_offset and p_vaddr must agree modulo, and that segments are rounded to:
 * the base page of every port. */
#define ELF_PAGE_SIZE 4096ul
/* Linux reads at most one page of program headers (fs/binfmt_elf.c, elf_read_phdrs). */
#define ELF_MAX_PHNUM (ELF_PAGE_SIZE / ELF_PHDR_SIZE)
/* PT_LOAD segments kept; real programs have 2 to 5. */
#define ELF_MAX_SEGMENTS 16

/* A segment's protection: mmap's PROT_* values. */
#define ELF_PROT_READ  0x1u
#define ELF_PROT_WRITE 0x2u
#define ELF_PROT_EXEC  0x4u

/* Why a file was refused; elf_reason_text() has the message. */
enum elf_reason {
	ELF_OK,
	ELF_TRUNCATED_EHDR,
	ELF_BAD_MAGIC,
	ELF_BAD_CLASS,
	ELF_BAD_DATA,
	ELF_BAD_VERSION,
	ELF_TYPE_REL,
	ELF_TYPE_CORE,
	ELF_TYPE_UNKNOWN,
	ELF_WRONG_MACHINE,
	ELF_PPC64_ELFV1,
	ELF_BAD_PHENTSIZE,
	ELF_NO_PHDRS,
	ELF_TOO_MANY_PHDRS,
	ELF_TRUNCATED_PHDRS,
	ELF_INTERP,
	ELF_SEGMENT_BEYOND_FILE,
	ELF_FILESZ_OVER_MEMSZ,
	ELF_MISALIGNED,
	ELF_UNSORTED,
	ELF_OVERLAP,
	ELF_OUT_OF_RANGE,
	ELF_TOO_MANY_SEGMENTS,
	ELF_NO_LOAD,
	ELF_ENTRY_NOT_EXEC,
	ELF_PHDR_NOT_LOADED,
	ELF_BAD_TLS,
	ELF_BAD_BIAS,
	ELF_NR_REASONS
};

struct elf_segment {
	u64 vaddr;      /* where the segment starts in memory (plus the bias, once set) */
	u64 memsz;      /* bytes in memory: [vaddr, vaddr + memsz) */
	u64 offset;     /* where its file bytes start in the buffer */
	u64 filesz;     /* file bytes, copied to vaddr; [filesz, memsz) is zeroed */
	unsigned prot;  /* ELF_PROT_* */
};

struct elf_image {
	u16 type;               /* ET_EXEC, or ET_DYN: a static PIE, loaded at a bias the caller
	                         * picks (elf_set_bias); every address below is relative until then */
	u16 machine;
	u64 entry;              /* e_entry: inside an executable segment */
	u64 bias;               /* 0, or what elf_set_bias added */
	u64 lo, hi;             /* the segments' extent, rounded out to pages */
	u64 max_align;          /* the largest power-of-two p_align of a PT_LOAD, at least a page:
	                         * an ET_DYN bias must be a multiple (Linux aligns the load so) */
	unsigned nr_segments;   /* PT_LOADs with memsz > 0, in address order, none overlapping */
	struct elf_segment seg[ELF_MAX_SEGMENTS];
	u64 phdr_addr;          /* AT_PHDR: the program headers in memory; 0 if no segment loads
	                         * them (Linux passes 0 then too) */
	u16 phent, phnum;       /* AT_PHENT, AT_PHNUM */
	bool has_gnu_stack;     /* a PT_GNU_STACK header was present */
	bool exec_stack;        /* PT_GNU_STACK asks for an executable stack (without one, 64-bit
	                         * Linux since 5.8 gives a non-executable stack, and so do we) */
	bool has_tls;           /* PT_TLS: the thread-local template */
	u64 tls_vaddr, tls_filesz, tls_memsz, tls_align;
	/* On refusal: why, and the program header's index (-1 when not about one). */
	enum elf_reason reason;
	int bad_phdr;
};

/* Check the ELF file of len bytes at buf for `machine` (EM_*), with every segment below
 * user_limit, and describe it in *out. buf needs no alignment. Returns 0, or the error Linux's
 * execve() gives for such a file (-ENOEXEC: not a program this kernel runs; -EINVAL: segments
 * that do not fit or cannot be mapped as given), with *why (if not NULL) a message naming the
 * problem and out->reason, out->bad_phdr saying which. Never reads outside [buf, buf + len). */
int elf_parse(const void *buf, size_t len, u16 machine, u64 user_limit, struct elf_image *out,
	      const char **why);

/* Place an ET_DYN image at bias: a multiple of im->max_align with every segment still below
 * user_limit. Adds bias to the entry, the segments, lo/hi, phdr_addr and the TLS template.
 * Returns 0, or -EINVAL with *why (ET_EXEC with a bias other than 0, a misaligned bias, or
 * one that pushes a segment past user_limit). */
int elf_set_bias(struct elf_image *im, u64 bias, u64 user_limit, const char **why);

const char *elf_reason_text(enum elf_reason r);

#endif
