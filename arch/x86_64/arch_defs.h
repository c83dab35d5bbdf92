/* x86_64's constants and types for the arch contract (see arch/arch.h): page and page-table
 * sizes, the entry type and the trap frame. Its functions are in arch_inline.h. */
#ifndef ARCH_X86_64_ARCH_DEFS_H
#define ARCH_X86_64_ARCH_DEFS_H

#include "arch/x86_64/layout.h"

#define PAGE_SHIFT     12
#define PT_LEVELS      4
#define PT_INDEX_BITS  9

typedef u64 pte_t;

/* User addresses: the lower canonical half of a 48-bit address space. */
#define USER_VA_END    0x0000800000000000ul
#define ARCH_ELF_MACHINE 62   /* e_machine of the user programs it runs (EM_X86_64) */
/* What a CPU's PCID slot remembers an address space by (arch/x86_64/pcid.c): an id given at
 * creation and never reused, since a slot may outlive the mm it names. Written once. */
struct arch_mm_context {
	u64 id;
};

/* User mode (arch/x86_64/user.c): ring 3, SYSCALL/SYSRET, SMEP/SMAP where the CPU has them. */
#define ARCH_HAS_USER_MODE 1
/* What a user thread owns beyond its trap frame: the FS base (its TLS pointer, arch_prctl) and
 * the x87/SSE registers, saved with FXSAVE at each switch away from it (the kernel itself is
 * built without SSE, so they are the user's alone). FXSAVE's area must be 16-byte aligned and
 * struct thread comes from kmalloc, whose alignment is 8: fx_area() rounds up inside fx. */
struct arch_thread_state {
	u64 fs_base;
	u8 fx[512 + 16];
};

/* Saved by arch/x86_64/entry.S, lowest address first. */
struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;              /* vector: X86_VEC_SYSCALL for a system call */
	u64 rip, cs, rflags, rsp, ss;   /* pushed by the CPU */
};

#endif
