/* The initial user stack of a new program, as Linux's execve() lays it out: argc, the argv and
 * envp pointer arrays, the auxiliary vector, then the strings at the top. Built in a kernel
 * buffer that stands for the user range [top - cap, top), to be copied out by the caller; pure,
 * like elf.c, so the host tests parse what it builds. The diagram and each ABI's rule for the
 * stack pointer are in docs/user.md ("The stack at entry").
 *
 * At entry, on all three ports, the stack pointer is 16-byte aligned and points at argc:
 *   x86_64 (System V psABI 3.4.1): %rsp 16-byte aligned at argc; no return address.
 *   arm64 (AAPCS64 6.4.5.1, Linux's ELF ABI): sp 16-byte aligned (SCTLR_EL1.SA0 checks it).
 *   ppc64 (ELFv2 ABI, process initialisation): r1 quadword aligned at argc; the program's
 *   _start makes its own frame (back chain 0) before it calls anything.
 */
#ifndef KERNEL_USER_EXEC_STACK_H
#define KERNEL_USER_EXEC_STACK_H

#include "kernel/types.h"

struct elf_image;

/* Auxiliary vector types (Linux's include/uapi/linux/auxvec.h numbers). */
#define AT_NULL           0
#define AT_IGNORE         1
#define AT_PHDR           3
#define AT_PHENT          4
#define AT_PHNUM          5
#define AT_PAGESZ         6
#define AT_BASE           7
#define AT_FLAGS          8
#define AT_ENTRY          9
#define AT_UID            11
#define AT_EUID           12
#define AT_GID            13
#define AT_EGID           14
#define AT_PLATFORM       15
#define AT_HWCAP          16
#define AT_CLKTCK         17
#define AT_IGNOREPPC      22
#define AT_SECURE         23
#define AT_RANDOM         25
#define AT_HWCAP2         26
#define AT_EXECFN         31

/* Linux's limits: one string (MAX_ARG_STRLEN, 32 pages) and the strings of argv or envp. */
#define EXEC_MAX_ARG_STRLEN (32 * 4096)
#define EXEC_MAX_ARG_STRINGS 0x7fffffff
/* AT_CLKTCK: USER_HZ, the unit of times(2) and /proc, 100 on every Linux port. */
#define EXEC_CLKTCK 100

struct exec_stack_args {
	const char *const *argv;     /* NULL-terminated; none at all gets argv = { "" }, as
	                              * Linux (5.18 and later) does */
	const char *const *envp;     /* NULL-terminated, or NULL for none */
	const char *execfn;          /* AT_EXECFN: the path the program was run by */
	const char *platform;        /* AT_PLATFORM string, or NULL for none */
	const u8 *random;            /* 16 bytes, copied onto the stack for AT_RANDOM */
	const struct elf_image *image;   /* AT_PHDR, AT_PHENT, AT_PHNUM, AT_ENTRY (after
	                                  * elf_set_bias) */
	u64 page_size;               /* AT_PAGESZ */
	bool has_hwcap, has_hwcap2;  /* AT_HWCAP, AT_HWCAP2: only when the arch gives them */
	u64 hwcap, hwcap2;
	/* Entries the arch puts first, as Linux's ARCH_DLINFO does (ppc64: two AT_IGNOREPPC, so
	 * that the first 16-byte-aligned auxv word is above 16, for old glibc). */
	const u64 (*arch_auxv)[2];
	unsigned nr_arch_auxv;
};

struct exec_stack {
	u64 sp;       /* argc's user address: the stack pointer at entry, 16-byte aligned */
	u64 argv;     /* user address of argv[0]'s pointer (sp + 8) */
	u64 envp;     /* of envp[0]'s pointer */
	u64 auxv;     /* of the first auxv pair */
	u64 random;   /* of the 16 AT_RANDOM bytes */
	u64 execfn;   /* of the AT_EXECFN string */
	unsigned argc, envc, nr_auxv;   /* nr_auxv counts AT_NULL */
	size_t size;  /* bytes used: [sp, top) */
};

/* Lay out the stack in buf, which stands for user addresses [top - cap, top) (top 16-byte
 * aligned; buf needs no alignment). Returns 0 with *out filled, -E2BIG if a string is longer
 * than EXEC_MAX_ARG_STRLEN, or if there are more than EXEC_MAX_ARG_STRINGS of argv or envp, or
 * if everything does not fit in cap bytes, or -EINVAL for a misaligned top or missing random
 * bytes, execfn or image. Bytes of buf below out->sp are left as they were. */
int exec_stack_build(void *buf, size_t cap, u64 top, const struct exec_stack_args *a,
		     struct exec_stack *out);

#endif
