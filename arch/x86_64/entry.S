/*
 * x86_64 trap and system-call entry. Every IDT vector has a small stub that makes the stack look
 * the same (an error code, real or 0, then the vector number) and jumps to trap_common, which
 * saves the general registers as a struct trap_frame and calls x86_trap(frame). SYSCALL enters at
 * x86_syscall_entry, which builds the same frame by hand. Vectors 8, 10-14, 17, 21, 29 and 30 get
 * an error code from the CPU (SDM vol. 3A, 6.13).
 *
 * GS. In the kernel the GS base is this CPU's struct percpu; in user mode it is the user's (0),
 * and IA32_KERNEL_GS_BASE holds ours. So every entry from user mode starts with SWAPGS and every
 * return to user mode ends with one, each with interrupts off. Whether a trap came from user mode
 * is the RPL of the CS the CPU saved. The one case that rule gets wrong is an NMI (or a double
 * fault) that lands in the few instructions between SYSCALL and its SWAPGS, or between the exit's
 * SWAPGS and SYSRET/IRET: kernel CS, user GS. Both only ever panic, so they check the GS base
 * itself (a kernel address is negative) and swap if it is the user's, without swapping back.
 *
 * SMAP. Where it is on (x86_smap_on), RFLAGS.AC lets the kernel touch user pages: set (STAC)
 * only inside the copies below, cleared (CLAC) at every entry, because an interrupt gate keeps
 * AC as it was and a fault inside a copy may sleep: the next thread would inherit AC. The IRET
 * or POPF that ends the trap puts the interrupted AC back.
 */
#include "arch/x86_64/layout.h"

#define PERCPU_ARCH_SCRATCH_OFFSET 48   /* struct percpu's arch_scratch (kernel/percpu.h) */
#define USER_RSP_SCRATCH  %gs:PERCPU_ARCH_SCRATCH_OFFSET
#define KSTACK_TOP        %gs:(PERCPU_ARCH_SCRATCH_OFFSET + 8)
#define X86_USER_CS  0x2b
#define X86_USER_DS  0x23
#define X86_VEC_SYSCALL 0x100
/* struct trap_frame, as byte offsets from its start (arch_defs.h). */
#define F_RCX     (12*8)
#define F_R11     (4*8)
#define F_VECTOR  (15*8)
#define F_RIP     (17*8)
#define F_CS      (18*8)
#define F_RFLAGS  (19*8)
#define F_RSP     (20*8)
#define F_SS      (21*8)

.macro USER_ACCESS_BEGIN
	testb $1, x86_smap_on(%rip)
	jz 98f
	stac
98:
.endm
.macro USER_ACCESS_END
	testb $1, x86_smap_on(%rip)
	jz 99f
	clac
99:
.endm

.macro PUSH_REGS
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm
.macro POP_REGS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
.endm

	.text

.macro TRAP_STUB n
	.balign 16
trap_stub_\n:
	.if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || \
	    (\n == 29) || (\n == 30)
	.else
	pushq $0
	.endif
	pushq $\n
	jmp trap_common
.endm

	.globl x86_trap_stubs
	.balign 16
x86_trap_stubs:
.altmacro
.set i, 0
.rept 256
	TRAP_STUB %i
	.set i, i + 1
.endr

trap_common:
	testb $3, 24(%rsp)         /* the saved CS (above vector and error): from user mode? */
	jz 1f
	swapgs
1:	PUSH_REGS
	cld
	USER_ACCESS_END
	cmpq $2, F_VECTOR(%rsp)    /* NMI */
	je 2f
	cmpq $8, F_VECTOR(%rsp)    /* double fault */
	jne 3f
2:	movl $0xc0000101, %ecx     /* IA32_GS_BASE: the kernel's is negative */
	rdmsr
	testl %edx, %edx
	js 3f
	swapgs                     /* never swapped back: both handlers end in panic */
3:	movq %rsp, %rdi
	/* Link the trap into the frame-pointer chain so backtraces walk through it. */
	movq F_RIP(%rsp), %rax     /* interrupted rip */
	pushq %rax
	pushq %rbp
	movq %rsp, %rbp
	call x86_trap
	addq $16, %rsp
	/* Interrupts are off here (x86_trap returns with them off). */
	testb $3, F_CS(%rsp)
	jnz x86_iret_to_user
	POP_REGS
	addq $16, %rsp             /* vector and error code */
	iretq

/* Return to user mode through the struct trap_frame at %rsp, interrupts off. IRET can return
 * anywhere; a system call whose frame still looks like SYSCALL left it takes SYSRET instead. */
	.globl x86_iret_to_user
x86_iret_to_user:
	/* IRET to a non-canonical rip raises #GP in ring 0, after nothing has been restored but
	 * with the user's GS already swapped in: a kill, decided here instead (a SYSCALL in the
	 * last bytes of the user half returns to 0x800000000000). */
	movq F_RIP(%rsp), %rax
	shrq $47, %rax
	jz 1f
	movq %rsp, %rdi
	call x86_bad_user_rip      /* never returns */
1:	POP_REGS
	addq $16, %rsp
	swapgs
	iretq

/*
 * SYSCALL: rip in rcx, rflags in r11, interrupts and AC off (IA32_FMASK), still on the user's
 * stack with the user's GS. Build a trap frame on this thread's kernel stack, exactly where a
 * trap from user mode would (the top: KSTACK_TOP, the same value as TSS.rsp0).
 */
	.globl x86_syscall_entry
x86_syscall_entry:
	swapgs
	movq %rsp, USER_RSP_SCRATCH
	movq KSTACK_TOP, %rsp
	pushq $X86_USER_DS         /* ss */
	pushq USER_RSP_SCRATCH     /* rsp */
	pushq %r11                 /* rflags */
	pushq $X86_USER_CS         /* cs */
	pushq %rcx                 /* rip */
	pushq $0                   /* error */
	pushq $X86_VEC_SYSCALL     /* vector */
	PUSH_REGS
	cld
	movq %rsp, %rdi
	movq F_RIP(%rsp), %rax
	pushq %rax
	pushq %rbp
	movq %rsp, %rbp
	call syscall_entry         /* returns with interrupts off */
	addq $16, %rsp
	/*
	 * SYSRET loads rip from rcx and rflags from r11, so it can only return a frame whose rcx
	 * and r11 still equal its rip and rflags, to the user's 64-bit code and stack selectors.
	 * And its rip must be canonical: SYSRET to a non-canonical rip raises #GP in ring 0 on the
	 * user's stack (Intel), which no handler could survive; a user can make the return rip
	 * non-canonical by putting SYSCALL in the last bytes below the canonical hole. TF and RF
	 * are left to IRET too. Anything else goes back through IRET.
	 */
	movq F_RCX(%rsp), %rcx
	cmpq %rcx, F_RIP(%rsp)
	jne x86_iret_to_user
	shrq $47, %rcx             /* user canonical: bits 63..47 clear */
	jnz x86_iret_to_user
	movq F_R11(%rsp), %r11
	cmpq %r11, F_RFLAGS(%rsp)
	jne x86_iret_to_user
	testq $0x10100, %r11       /* RF, TF */
	jnz x86_iret_to_user
	cmpq $X86_USER_CS, F_CS(%rsp)
	jne x86_iret_to_user
	cmpq $X86_USER_DS, F_SS(%rsp)
	jne x86_iret_to_user
	POP_REGS                   /* rcx and r11 come back as rip and rflags */
	movq 5*8(%rsp), %rsp       /* past vector, error, rip, cs, rflags: the user rsp */
	swapgs
	sysretq

/* void arch_enter_user(struct trap_frame *f): f is the top of this thread's kernel stack. */
	.globl arch_enter_user
arch_enter_user:
	movq %rdi, %rsp
	jmp x86_iret_to_user

/*
 * size_t arch_copy_user(void *dst, const void *src, size_t n): REP MOVSB keeps rcx, rsi and rdi
 * exact at a fault (SDM vol. 2, REP: a string instruction is interrupted between iterations), so
 * the fix-up knows how many bytes are left.
 */
	.globl arch_copy_user
arch_copy_user:
	USER_ACCESS_BEGIN
	movq %rdx, %rcx
1:	rep movsb
	USER_ACCESS_END
	movq %rcx, %rax
	ret
2:	USER_ACCESS_END
	movq %rcx, %rax
	ret
	.pushsection __ex_table, "a"
	.balign 8
	.quad 1b, 2b
	.popsection

/*
 * Probes that may fault. An entry of __ex_table pairs the address of the instruction that may
 * fault with where to continue; the fixup returns -EFAULT (-14).
 */
	.globl arch_probe_read
arch_probe_read:                    /* int arch_probe_read(const void *addr, u64 *val) */
	USER_ACCESS_BEGIN
1:	movq (%rdi), %rax
	USER_ACCESS_END
	movq %rax, (%rsi)
	xorl %eax, %eax
	ret
2:	USER_ACCESS_END
	movl $-14, %eax
	ret
	.pushsection __ex_table, "a"
	.balign 8
	.quad 1b, 2b
	.popsection

	.globl arch_probe_write
arch_probe_write:                   /* int arch_probe_write(void *addr, u64 val) */
	USER_ACCESS_BEGIN
1:	movq %rsi, (%rdi)
	USER_ACCESS_END
	xorl %eax, %eax
	ret
2:	USER_ACCESS_END
	movl $-14, %eax
	ret
	.pushsection __ex_table, "a"
	.balign 8
	.quad 1b, 2b
	.popsection

	.globl arch_call_on_stack
arch_call_on_stack:                 /* (void *stack_top, void (*fn)(void *), void *arg) */
	movq %rdi, %rsp
	xorl %ebp, %ebp
	movq %rdx, %rdi
	pushq $0                    /* a zero return address ends backtraces here */
	jmp *%rsi
