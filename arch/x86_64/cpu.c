/* x86_64 descriptor tables: the GDT with a 64-bit TSS, and the IDT. One set per CPU; the boot
 * CPU's is set up before kmain. The TSS gives the double-fault and NMI handlers their own stacks
 * (IST), so a kernel stack overflow still reaches a handler that can report it. */
#include "arch/arch.h"
#include "arch/x86_64/x86.h"
#include "lib/string.h"

struct tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;

struct idt_gate {
	u16 offset_lo;
	u16 selector;
	u8 ist;
	u8 type_attr;     /* 0x8e: present, DPL 0, 64-bit interrupt gate */
	u16 offset_mid;
	u32 offset_hi;
	u32 reserved;
} __packed;

struct desc_ptr {
	u16 limit;
	u64 base;
} __packed;

#define IST_STACK_SIZE 8192
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2

struct x86_cpu_tables {
	u64 gdt[8];   /* null, kcode, kdata, ucode32 (unused), udata, ucode64, TSS (two slots) */
	struct tss tss;
	u8 ist_stacks[2][IST_STACK_SIZE] __aligned(16);
};

static DEFINE_PER_CPU(struct x86_cpu_tables, cpu_tables);
static struct idt_gate idt[256] __aligned(16);
extern char x86_trap_stubs[];   /* entry.S: 256 stubs, 16 bytes apart */
bool x86_has_1g_pages;
bool x86_has_pcid;

static void __init idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		u64 a = (u64)(x86_trap_stubs + 16 * v);
		idt[v] = (struct idt_gate){
			.offset_lo = a & 0xffff,
			.selector = X86_KERNEL_CS,
			.ist = v == VEC_DOUBLE_FAULT ? IST_DOUBLE_FAULT :
			       v == VEC_NMI ? IST_NMI : 0,
			.type_attr = 0x8e,
			.offset_mid = (a >> 16) & 0xffff,
			.offset_hi = a >> 32,
		};
	}
}

/* Load this CPU's GDT, TSS and the shared IDT. */
void __init x86_cpu_tables_init(unsigned cpu)
{
	struct x86_cpu_tables *t = per_cpu_ptr(&cpu_tables, cpu);
	u64 tss = (u64)&t->tss, lim = sizeof(t->tss) - 1;

	t->gdt[0] = 0;
	t->gdt[1] = 0x00af9a000000ffff;   /* 0x08 kernel code, L=1 */
	t->gdt[2] = 0x00cf92000000ffff;   /* 0x10 kernel data */
	/* SYSRET finds the user selectors relative to STAR[63:48] = 0x18 (user.c): SS at +8, 64-bit
	 * CS at +16; so 32-bit code, data, 64-bit code, in that order. */
	t->gdt[3] = 0x00cffa000000ffff;   /* 0x18 user code 32 (unused: SYSRET's layout) */
	t->gdt[4] = 0x00cff2000000ffff;   /* 0x20 user data, DPL 3 */
	t->gdt[5] = 0x00affa000000ffff;   /* 0x28 user code 64, DPL 3, L=1 */
	/* 0x30: 16-byte available 64-bit TSS descriptor (type 9), SDM vol. 3A, 8.2.3 */
	t->gdt[6] = (lim & 0xffff) | ((tss & 0xffffff) << 16) | (0x89ull << 40) |
		    (((lim >> 16) & 0xf) << 48) | (((tss >> 24) & 0xff) << 56);
	t->gdt[7] = tss >> 32;
	memset(&t->tss, 0, sizeof(t->tss));
	t->tss.ist[IST_DOUBLE_FAULT - 1] = (u64)(t->ist_stacks[0] + IST_STACK_SIZE);
	t->tss.ist[IST_NMI - 1] = (u64)(t->ist_stacks[1] + IST_STACK_SIZE);
	t->tss.iomap_base = sizeof(t->tss);

	if (cpu == 0)
		idt_init();

	u64 gs_base = x86_rdmsr(MSR_GS_BASE);
	struct desc_ptr gp = { sizeof(t->gdt) - 1, (u64)t->gdt };
	struct desc_ptr ip = { sizeof(idt) - 1, (u64)idt };
	__asm__ __volatile__(
		"lgdt %0\n\t"
		"pushq $0x08\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw $0x10, %%ax\n\t"
		"movw %%ax, %%ss\n\t"
		"xorl %%eax, %%eax\n\t"
		"movw %%ax, %%ds\n\t"
		"movw %%ax, %%es\n\t"
		"movw %%ax, %%fs\n\t"
		"movw %%ax, %%gs\n\t"
		"lidt %1\n\t"
		"movw $0x30, %%ax\n\t"
		"ltr %%ax\n\t"
		:: "m"(gp), "m"(ip) : "rax", "memory");
	/* Null data selectors: 64-bit code needs none, and IRET to ring 3 then has no kernel
	 * selector to null out behind the FS and GS bases (SDM vol. 2A, IRET: return to an outer
	 * privilege level nulls DS, ES, FS and GS if their DPL is below the new CPL). Loading GS
	 * may have cleared its base (QEMU does): give the per-CPU block back. */
	x86_wrmsr(MSR_GS_BASE, gs_base);
}

/* Where a trap from ring 3 lands on this CPU: the running user thread's kernel stack top. */
void x86_set_user_kstack(uintptr_t top)
{
	this_cpu_ptr(&cpu_tables)->tss.rsp[0] = top;
}

bool x86_in_ist_stack(uintptr_t sp)
{
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		const struct x86_cpu_tables *t = per_cpu_ptr(&cpu_tables, c);
		uintptr_t lo = (uintptr_t)t->ist_stacks;
		if (sp >= lo && sp < lo + sizeof(t->ist_stacks))
			return true;
	}
	return false;
}

void __init x86_cpu_features_init(void)
{
	u32 a, b, c, d;
	x86_cpuid(0x80000001, 0, &a, &b, &c, &d);
	x86_has_1g_pages = d & (1u << 26);
	x86_cpuid(1, 0, &a, &b, &c, &d);
	x86_has_pcid = c & (1u << 17);   /* CPUID.01H:ECX.PCID; used by pcid.c */
	/* Global pages: kernel mappings survive CR3 reloads. */
	x86_write_cr4(x86_read_cr4() | X86_CR4_PGE);
	x86_user_cpu_init(raw_smp_processor_id() == 0);
}
