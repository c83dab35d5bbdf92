/* ppc64 user mode: problem state, the `sc` system call (entry and exit in entry.S), a user
 * thread's FP/VMX/VSX registers (vsx.S), its TLS pointer r13, and KUEP. docs/user.md walks
 * through it. Per-CPU registers only; a thread's state is touched by the thread itself or, with
 * interrupts off, by the scheduler switching it. */
#include "arch/ppc64/ppc64.h"
#include "kernel/printk.h"
#include "kernel/sched/thread.h"
#include "lib/string.h"
#include "mm/vmap.h"

/* IAMR: two bits per key, key 0 in the top two; its second bit (IBM 1) forbids instruction
 * fetch. With radix, a privileged access to a non-privileged (user) page is limited by key 0 of
 * AMR (loads, stores) and IAMR (fetches), on top of the page's own authority (Book III, 5.7,
 * radix storage protection): so the kernel can never run user code, as x86's SMEP. AMR stays 0
 * (the kernel may load and store user pages: no KUAP), and UAMOR 0 keeps problem state from
 * changing it. */
#define IAMR_KEY0_NO_EXEC (1ul << 62)
#define FSCR_SCV          (1ul << 12)   /* IBM 51: `scv` allowed (ISA 3.0) */

#define MSR_USER (MSR_SF | MSR_EE | MSR_ME | MSR_PR | MSR_FP | MSR_VEC | MSR_VSX | MSR_IR | \
		  MSR_DR | MSR_RI | MSR_LE)

/* vsx.S: store or load every register of a thread's state, with MSR[FP,VEC,VSX] on around it
 * and back off after. Interrupts off. */
void ppc64_vsx_save(struct arch_thread_state *s);
void ppc64_vsx_restore(const struct arch_thread_state *s);

void ppc64_user_cpu_init(void)
{
	mtspr(SPR_IAMR, IAMR_KEY0_NO_EXEC);
	mtspr(SPR_UAMOR, 0);
	/* `scv` (ISA 3.0) vectors elsewhere (0x3000 + ...) and this kernel has no handler there: a
	 * user's scv must be a facility-unavailable interrupt, which kills it. */
	mtspr(SPR_FSCR, mfspr(SPR_FSCR) & ~FSCR_SCV);
	/* The next instruction fetch obeys the new IAMR (Book III, mtspr: an IAMR change needs a
	 * context-synchronising instruction). */
	__asm__ __volatile__("isync" ::: "memory");
}

/* Problem state, 64-bit little-endian, translation and interrupts on, FP/VMX/VSX available
 * (their contents are the thread's, arch_user_switch); FE0 = FE1 = 0: FP exceptions never
 * interrupt. r12 = pc as well: the ELFv2 ABI's global entry convention, which a program entered
 * at a function's global entry point relies on to find its TOC. */
void arch_user_frame_init(struct trap_frame *f, uintptr_t pc, uintptr_t sp)
{
	memset(f, 0, sizeof(*f));
	f->nip = pc;
	f->msr = MSR_USER;
	f->gpr[1] = sp;
	f->gpr[12] = pc;
}

/* r13 is the ELFv2 thread pointer, and the frame carries it both ways. */
int arch_thread_set_tls(struct thread *t, struct trap_frame *f, uintptr_t tls)
{
	(void)t;
	f->gpr[13] = tls;   /* any value: r13 is an ordinary register to the hardware */
	return 0;
}

void arch_thread_copy_user_state(struct thread *child)
{
	struct thread *me = current_thread();
	if (!me->user) {
		memset(&child->arch, 0, sizeof(child->arch));   /* FPSCR 0: round to nearest */
		return;
	}
	unsigned long flags = arch_irq_save();   /* not switched out halfway */
	ppc64_vsx_save(&me->arch);
	arch_irq_restore(flags);
	memcpy(&child->arch, &me->arch, sizeof(child->arch));
}

/* A user thread's registers stay live on the CPU until it is switched out; a kernel thread
 * never touches them (built without FP and vector code, run with MSR[FP,VEC,VSX] off), so
 * switching to one leaves them in place. Eager: a save and a load per switch between user
 * threads, no facility-unavailable path. */
void arch_user_switch(struct thread *prev, struct thread *next)
{
	if (prev->user)
		ppc64_vsx_save(&prev->arch);
	if (!next->user)
		return;
	ppc64_vsx_restore(&next->arch);
	ppc64_area()->user_frame = (u64)arch_user_frame((char *)next->stack + KSTACK_SIZE);
}

/* Power ISA Book II, 1.8 "Instruction Storage" (the sequence for modified instructions): dcbst
 * each block, sync, icbi each block, sync, isync. 32 bytes at a time: no Power CPU has a smaller
 * block (POWER9's is 128), and a smaller step only repeats work. */
void arch_sync_icache_user(uintptr_t start, size_t len)
{
	const uintptr_t block = 32;
	uintptr_t end = start + len;
	for (uintptr_t a = start & ~(block - 1); a < end; a += block)
		__asm__ __volatile__("dcbst 0,%0" :: "r"(a) : "memory");
	__asm__ __volatile__("sync" ::: "memory");
	for (uintptr_t a = start & ~(block - 1); a < end; a += block)
		__asm__ __volatile__("icbi 0,%0" :: "r"(a) : "memory");
	/* sync: the icbis done on every processor before this one goes on (the new thread may
	 * start on another); isync: this one's own prefetched instructions discarded. */
	__asm__ __volatile__("sync\n\tisync" ::: "memory");
}
