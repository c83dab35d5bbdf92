/* The x86_64 port's own hardware set-up, checked on the machine as the CPU sees it (suite
 * "x86_64", in test=all): every CPU in long mode with paging, write protection and no-execute on,
 * on the kernel's page tables; its GS base at its own block; its own GDT and TSS, each in its own
 * per-CPU copy, with the double-fault and NMI stacks the IDT's gates name; one IDT for all.
 * The descriptors are decoded from their raw bytes by the SDM's layouts (vol. 3A, 3.4.5 and
 * 6.14.1), not through arch/x86_64/cpu.c's structs, so a mistake there shows here. Timers, IPIs,
 * CPU start-up, preemption and TLB shootdown are the generic suites' (smp, sched, timer, tlb). */
#include "arch/x86_64/x86.h"
#include "kernel/ktest.h"
#include "kernel/smp.h"
#include "lib/string.h"
#include "mm/kernel_map.h"

#define MSR_EFER   0xc0000080
#define EFER_LME   (1ull << 8)
#define EFER_LMA   (1ull << 10)
#define EFER_NXE   (1ull << 11)
#define CR0_PE     (1ull << 0)
#define CR0_WP     (1ull << 16)
#define CR0_PG     (1ull << 31)
#define CR4_PAE    (1ull << 5)
#define TSS_SELECTOR 0x30

struct __packed dtr {
	u16 limit;
	u64 base;
};

/* What each CPU reports about its own set-up, from a cross-CPU call. */
static struct cpu_regs {
	u64 gs_base, cr0, cr3, cr4, efer;
	struct dtr gdtr, idtr;
	u16 tr;
	u64 tss_base;             /* from this CPU's TSS descriptor */
	u64 ist1, ist2;           /* from that TSS */
	bool irqs_masked_in_call;
} regs[MAX_CPUS];

static u64 read_u64(u64 addr) { u64 v; memcpy(&v, (void *)addr, 8); return v; }

static void read_regs(void *arg)
{
	(void)arg;
	struct cpu_regs *r = &regs[smp_processor_id()];
	r->gs_base = x86_rdmsr(MSR_GS_BASE);
	r->cr0 = x86_read_cr0();
	r->cr3 = x86_read_cr3();
	r->cr4 = x86_read_cr4();
	r->efer = x86_rdmsr(MSR_EFER);
	__asm__ __volatile__("sgdt %0; sidt %1; str %2"
			     : "=m"(r->gdtr), "=m"(r->idtr), "=r"(r->tr) :: "memory");
	/* A 64-bit TSS descriptor is 16 bytes: base 15:0 at bits 16..31 of the first quadword,
	 * 23:16 at 32..39, 31:24 at 56..63, and 63:32 in the second quadword. */
	u64 desc = r->gdtr.base + (r->tr & ~7u);
	u64 lo = read_u64(desc), hi = read_u64(desc + 8);
	r->tss_base = (lo >> 16 & 0xffffff) | (lo >> 56 & 0xff) << 24 | (hi & 0xffffffff) << 32;
	/* TSS: a reserved u32, RSP0..2, a reserved u64, then IST1..7 (SDM vol. 3A, figure 8-11). */
	r->ist1 = read_u64(r->tss_base + 36);
	r->ist2 = read_u64(r->tss_base + 44);
	r->irqs_masked_in_call = !arch_irqs_enabled();
}

KTEST(x86_64, every_cpu_alike)
{
	memset(regs, 0, sizeof(regs));
	smp_call_function(cpu_online_mask, read_regs, NULL, true);
	u32 a, b, c, d;
	x86_cpuid(0x80000001, 0, &a, &b, &c, &d);
	bool nx = d & (1u << 20);
	for (unsigned n = 0; n < nr_cpus_online; n++) {
		const struct cpu_regs *r = &regs[n];
		uintptr_t off = percpu_offsets[n];
		KEXPECT_EQ(t, r->gs_base, (u64)cpu_block(n));
		KEXPECT_EQ(t, r->cr0 & (CR0_PE | CR0_WP | CR0_PG), CR0_PE | CR0_WP | CR0_PG);
		KEXPECT_EQ(t, r->cr4 & CR4_PAE, CR4_PAE);
		KEXPECT_EQ(t, r->efer & (EFER_LME | EFER_LMA), EFER_LME | EFER_LMA);
		KEXPECT_EQ(t, !!(r->efer & EFER_NXE), nx);
		KEXPECT_EQ(t, r->cr3 & ~0xfffull, kernel_pt_root);   /* no user space yet */
		/* Its own GDT and TSS: the same variable as CPU 0's, in its own per-CPU copy. */
		KEXPECT_EQ(t, r->gdtr.limit, 8 * 8 - 1);
		KEXPECT_EQ(t, r->gdtr.base - off, regs[0].gdtr.base);
		KEXPECT_EQ(t, r->tr, TSS_SELECTOR);
		KEXPECT_EQ(t, r->tss_base - off, regs[0].tss_base);
		/* Its own emergency stacks: tops, 16-byte aligned, in its copy. */
		KEXPECT(t, x86_in_ist_stack(r->ist1 - 8) && x86_in_ist_stack(r->ist2 - 8));
		KEXPECT(t, r->ist1 % 16 == 0 && r->ist2 % 16 == 0 && r->ist1 != r->ist2);
		KEXPECT_EQ(t, r->ist1 - off, regs[0].ist1);
		KEXPECT_EQ(t, r->ist2 - off, regs[0].ist2);
		/* One IDT for all. */
		KEXPECT_EQ(t, r->idtr.base, regs[0].idtr.base);
		KEXPECT_EQ(t, r->idtr.limit, 256 * 16 - 1);
		KEXPECT(t, r->irqs_masked_in_call);
	}
	ktest_log(t, "%u CPU(s): CR0 %#lx, CR4 %#lx, EFER %#lx, GDT of CPU 0 at %#lx", nr_cpus_online,
		  (unsigned long)regs[0].cr0, (unsigned long)regs[0].cr4,
		  (unsigned long)regs[0].efer, (unsigned long)regs[0].gdtr.base);
}

/* An IDT gate (16 bytes): handler offset 15:0 | selector | IST (3 bits) | type and attributes
 * | offset 31:16, then offset 63:32. Every vector goes to its stub in entry.S through a
 * present DPL-0 interrupt gate (type 0xe: interrupts off on entry) in the kernel code segment;
 * only the double fault and the NMI switch stacks, each to its own (a fault on a bad stack, an
 * NMI inside an entry sequence). */
KTEST(x86_64, idt_gates)
{
	extern char x86_trap_stubs[];
	struct dtr idtr;
	__asm__ __volatile__("sidt %0" : "=m"(idtr));
	unsigned bad = 0;
	for (unsigned v = 0; v < 256; v++) {
		u64 lo = read_u64(idtr.base + 16 * v), hi = read_u64(idtr.base + 16 * v + 8);
		u64 target = (lo & 0xffff) | (lo >> 48 & 0xffff) << 16 | (hi & 0xffffffff) << 32;
		unsigned selector = lo >> 16 & 0xffff, ist = lo >> 32 & 7, attr = lo >> 40 & 0xff;
		unsigned want_ist = v == VEC_DOUBLE_FAULT ? 1 : v == VEC_NMI ? 2 : 0;
		if (target != (u64)(x86_trap_stubs + 16 * v) || selector != X86_KERNEL_CS ||
		    ist != want_ist || attr != 0x8e) {
			if (bad++ < 4)
				ktest_log(t, "vector %u: handler %#lx, selector %#x, IST %u, type %#x",
					  v, (unsigned long)target, selector, ist, attr);
		}
	}
	KEXPECT_EQ(t, bad, 0);
}
