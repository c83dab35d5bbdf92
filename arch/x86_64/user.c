/* x86_64 user mode: ring 3 through the GDT's user segments, SYSCALL/SYSRET, the per-thread
 * state (FS base, x87/SSE registers), SMEP and SMAP. The entry and exit paths are in entry.S;
 * docs/user.md walks through them. */
#include "arch/x86_64/x86.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/sched/thread.h"
#include "lib/string.h"
#include "mm/vmap.h"

#define MSR_EFER            0xc0000080
#define MSR_STAR            0xc0000081
#define MSR_LSTAR           0xc0000082
#define MSR_FMASK           0xc0000084
#define MSR_FS_BASE         0xc0000100
#define MSR_KERNEL_GS_BASE  0xc0000102
#define EFER_SCE            (1ull << 0)

#define X86_CR0_MP          (1ul << 1)
#define X86_CR0_NE          (1ul << 5)
#define X86_CR0_EM          (1ul << 2)
#define X86_CR0_TS          (1ul << 3)
#define X86_CR4_OSFXSR      (1ul << 9)
#define X86_CR4_OSXMMEXCPT  (1ul << 10)
#define X86_CR4_SMEP        (1ul << 20)
#define X86_CR4_SMAP        (1ul << 21)

#define RFLAGS_IF   (1ul << 9)
#define RFLAGS_RSVD (1ul << 1)   /* always 1 */

/* Read by entry.S's STAC/CLAC: set once by the boot CPU before the others start, the same on
 * all of them. */
bool x86_smap_on;
static bool x86_smep_on;

extern char x86_syscall_entry[];

/* The x87/SSE state a new thread starts with: what FNINIT and a reset MXCSR give (SDM vol. 1,
 * 8.1.5 and 10.2.3.1: FCW 0x037f, every exception masked; MXCSR 0x1f80). */
static void fx_init(u8 *fx)
{
	memset(fx, 0, 512);
	fx[0] = 0x7f;                 /* FCW */
	fx[1] = 0x03;
	u32 mxcsr = 0x1f80;           /* bytes 24-27 */
	memcpy(fx + 24, &mxcsr, 4);
}

static u8 *fx_area(struct arch_thread_state *s)
{
	return (u8 *)(((uintptr_t)s->fx + 15) & ~(uintptr_t)15);
}

/* Every CPU, from x86_cpu_features_init: SYSCALL's MSRs, SSE for user code, SMEP and SMAP. */
void x86_user_cpu_init(bool boot)
{
	u32 a, b, c, d;
	x86_cpuid(0, 0, &a, &b, &c, &d);
	bool leaf7 = a >= 7;
	b = 0;
	if (leaf7)
		x86_cpuid(7, 0, &a, &b, &c, &d);
	if (boot) {
		x86_smep_on = b & (1u << 7);    /* CPUID.(EAX=07H,ECX=0):EBX.SMEP[bit 7] */
		x86_smap_on = b & (1u << 20);   /* ...EBX.SMAP[bit 20] */
	}

	x86_wrmsr(MSR_EFER, x86_rdmsr(MSR_EFER) | EFER_SCE);
	/* SYSCALL: CS = STAR[47:32] (0x08), SS = that + 8. SYSRET to 64-bit code: CS =
	 * STAR[63:48] + 16 (0x28 | 3), SS = STAR[63:48] + 8 (0x20 | 3) (SDM vol. 2, SYSRET). */
	x86_wrmsr(MSR_STAR, (0x18ull << 48) | ((u64)X86_KERNEL_CS << 32));
	x86_wrmsr(MSR_LSTAR, (u64)x86_syscall_entry);
	/* Cleared at SYSCALL: TF, IF, DF, IOPL, NT, AC. */
	x86_wrmsr(MSR_FMASK, 0x47700);
	x86_wrmsr(MSR_KERNEL_GS_BASE, 0);

	/* SSE for user code: FXSAVE/FXRSTOR and SSE instructions allowed, SIMD exceptions as #XM;
	 * x87 native (NE: unmasked x87 exceptions as #MF, not the legacy FERR# line, SDM vol. 1,
	 * 8.7), never trapping on use (the kernel saves the registers eagerly, arch_user_switch). */
	__asm__ __volatile__("mov %0, %%cr0" ::
			     "r"((x86_read_cr0() | X86_CR0_MP | X86_CR0_NE) &
				 ~(X86_CR0_EM | X86_CR0_TS)));
	u64 cr4 = x86_read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	if (x86_smep_on)
		cr4 |= X86_CR4_SMEP;
	if (x86_smap_on)
		cr4 |= X86_CR4_SMAP;
	x86_write_cr4(cr4);
	if (boot)
		pr_info("x86: user mode: SYSCALL/SYSRET, SMEP %s, SMAP %s\n",
			x86_smep_on ? "on" : "off (CPU lacks it)",
			x86_smap_on ? "on" : "off (CPU lacks it)");
}

void arch_user_frame_init(struct trap_frame *f, uintptr_t pc, uintptr_t sp)
{
	memset(f, 0, sizeof(*f));
	f->rip = pc;
	f->rsp = sp;
	f->cs = X86_USER_CS;
	f->ss = X86_USER_DS;
	f->rflags = RFLAGS_IF | RFLAGS_RSVD;
	f->vector = X86_VEC_SYSCALL;   /* not a trap the IDT delivered: nothing to acknowledge */
}

int arch_thread_set_tls(struct thread *t, struct trap_frame *f, uintptr_t tls)
{
	(void)f;
	if (tls >= USER_VA_END)   /* WRMSR of a non-canonical FS base is #GP (SDM vol. 4, 2.1) */
		return -EPERM;
	t->arch.fs_base = tls;
	if (t == current_thread()) {
		unsigned long flags = arch_irq_save();   /* not switched out between the two */
		x86_wrmsr(MSR_FS_BASE, tls);
		arch_irq_restore(flags);
	}
	return 0;
}

void arch_thread_copy_user_state(struct thread *child)
{
	struct thread *me = current_thread();
	unsigned long flags = arch_irq_save();
	if (me->user) {
		__asm__ __volatile__("fxsave64 %0" : "=m"(*(u8 (*)[512])fx_area(&me->arch)));
		memcpy(fx_area(&child->arch), fx_area(&me->arch), 512);
	} else {
		fx_init(fx_area(&child->arch));
	}
	child->arch.fs_base = me->user ? me->arch.fs_base : 0;
	arch_irq_restore(flags);
}

/* A user thread's registers stay live on the CPU until it is switched out; a kernel thread
 * never touches them (no SSE in the kernel, and no FS-relative access), so switching to one
 * leaves them in place. Eager rather than lazy: one FXSAVE/FXRSTOR pair per switch between
 * user threads, and no #NM path. */
void arch_user_switch(struct thread *prev, struct thread *next)
{
	if (prev->user)
		__asm__ __volatile__("fxsave64 %0" : "=m"(*(u8 (*)[512])fx_area(&prev->arch)));
	if (!next->user)
		return;
	__asm__ __volatile__("fxrstor64 %0" :: "m"(*(u8 (*)[512])fx_area(&next->arch)));
	x86_wrmsr(MSR_FS_BASE, next->arch.fs_base);
	uintptr_t top = (uintptr_t)next->stack + KSTACK_SIZE;
	x86_set_user_kstack(top);
	this_cpu()->arch_scratch[1] = top;   /* entry.S's KSTACK_TOP */
}

/* x86 keeps instruction fetch coherent with stores (SDM vol. 3A, 11.6, self-modifying code);
 * the return to user mode is serialising. */
void arch_sync_icache_user(uintptr_t start, size_t len)
{
	(void)start;
	(void)len;
}
