/* ppc64 per-CPU state: the area r13 and SPRG0 point at, the exception vectors in low memory,
 * idling and halting. Each CPU sets up its own area once; the vectors are installed once. */
#include "arch/ppc64/ppc64.h"
#include "kernel/percpu.h"
#include "lib/string.h"
#include "mm/vmap.h"

/* The stack first: an overflow of it runs into whatever precedes it, not into the area the trap
 * entry needs to report it. */
struct emergency_stack {
	u8 bytes[EMERGENCY_STACK_SIZE];
} __aligned(16);
static DEFINE_PER_CPU(struct emergency_stack, emergency_stacks);
static DEFINE_PER_CPU(struct ppc64_cpu, ppc64_cpu_area);

STATIC_ASSERT(offsetof(struct ppc64_cpu, scratch) == PC_R9, "PC_R9");
STATIC_ASSERT(offsetof(struct ppc64_cpu, srr0) == PC_SRR0, "PC_SRR0");
STATIC_ASSERT(offsetof(struct ppc64_cpu, vector) == PC_VEC, "PC_VEC");
STATIC_ASSERT(offsetof(struct ppc64_cpu, kernel_msr) == PC_KMSR, "PC_KMSR");
STATIC_ASSERT(offsetof(struct ppc64_cpu, entry) == PC_ENTRY, "PC_ENTRY");
STATIC_ASSERT(offsetof(struct ppc64_cpu, toc) == PC_TOC, "PC_TOC");
STATIC_ASSERT(offsetof(struct ppc64_cpu, emergency_sp) == PC_EMERG_SP, "PC_EMERG_SP");
STATIC_ASSERT(offsetof(struct ppc64_cpu, percpu) == PC_PERCPU, "PC_PERCPU");
STATIC_ASSERT(offsetof(struct ppc64_cpu, cr) == PC_CR, "PC_CR");
STATIC_ASSERT(offsetof(struct ppc64_cpu, user_frame) == PC_UFRAME, "PC_UFRAME");
STATIC_ASSERT(offsetof(struct arch_thread_state, vscr) == TS_VSCR, "TS_VSCR");
STATIC_ASSERT(offsetof(struct arch_thread_state, fpscr) == TS_FPSCR, "TS_FPSCR");
STATIC_ASSERT(offsetof(struct arch_thread_state, vrsave) == TS_VRSAVE, "TS_VRSAVE");
STATIC_ASSERT(sizeof(struct arch_thread_state) == TS_SIZE, "TS_SIZE");
STATIC_ASSERT(offsetof(struct trap_frame, gpr) == TF_GPR, "TF_GPR");
STATIC_ASSERT(offsetof(struct trap_frame, nip) == TF_NIP, "TF_NIP");
STATIC_ASSERT(offsetof(struct trap_frame, dsisr) == TF_DSISR, "TF_DSISR");
STATIC_ASSERT(offsetof(struct trap_frame, vector) == TF_VECTOR, "TF_VECTOR");
STATIC_ASSERT(offsetof(struct trap_frame, pad) == TF_PAD, "TF_PAD");
STATIC_ASSERT(sizeof(struct trap_frame) == TF_SIZE, "TF_SIZE");
STATIC_ASSERT(KSTACK_SLOT_SIZE == KSTACK_SIZE + PAGE_SIZE, "entry.S's stack-guard check");

extern char ppc64_trap_entry[], ppc64_vectors_start[], ppc64_vectors_end[];

/* This CPU's arch area into SPRG0; then percpu_bind() sets r13. */
void ppc64_cpu_init(unsigned cpu, u32 hwid)
{
	struct ppc64_cpu *c = per_cpu_ptr(&ppc64_cpu_area, cpu);
	u64 toc;
	__asm__("mr %0, 2" : "=r"(toc));
	c->cpu = cpu;
	c->hwid = hwid;
	c->kernel_msr = MSR_SF | MSR_LE | MSR_ME | MSR_IR | MSR_DR | MSR_RI;
	c->entry = (u64)ppc64_trap_entry;
	c->toc = toc;
	c->emergency_sp = (u64)(per_cpu_ptr(&emergency_stacks, cpu) + 1);   /* its top */
	/* The direct-map alias: the real-mode vector stubs must be able to use it too. */
	mtspr(SPR_SPRG0, DIRECT_MAP_BASE + arch_image_virt_to_phys((uintptr_t)c));
	ppc64_user_cpu_init();
}

void arch_percpu_set(struct percpu *pc)
{
	ppc64_area()->percpu = pc;
	__asm__ __volatile__("mr 13, %0" :: "r"(pc) : "memory");
}

/* Copy the stubs to real address 0x100.. and make the instruction fetch see them: write the
 * data blocks back, then invalidate the instruction blocks (Book II, 1.8 "instruction storage"). */
void __init ppc64_vectors_install(void)
{
	u8 *dst = (u8 *)DIRECT_MAP_BASE;
	size_t len = (size_t)(ppc64_vectors_end - ppc64_vectors_start);
	if (len > VEC_COPY_END)
		len = VEC_COPY_END;
	memcpy(dst + 0x100, ppc64_vectors_start + 0x100, len - 0x100);
	for (size_t off = 0x100; off < len; off += 128)
		__asm__ __volatile__("dcbst 0, %0" :: "r"(dst + off) : "memory");
	__asm__ __volatile__("sync" ::: "memory");
	for (size_t off = 0x100; off < len; off += 128)
		__asm__ __volatile__("icbi 0, %0" :: "r"(dst + off) : "memory");
	__asm__ __volatile__("sync; isync" ::: "memory");
}

/* arch_wait_for_interrupt(). H_CEDE idles this CPU until an interrupt; it returns with MSR[EE]
 * set, so the interrupt is taken right after it (PAPR 14.5.4.3.1). */
void ppc64_cede(void)
{
	ppc64_hcall(H_CEDE, 0, 0, 0, 0, 0, 0);
	arch_irq_disable();
}

__noreturn void arch_halt_forever(void)
{
	arch_irq_disable();
	ppc64_rtas_call("stop-self", 0, 1, NULL);
	for (;;)
		arch_cpu_relax();
}
