/* x86_64-private helpers shared by the files of arch/x86_64/ (never included by generic code). */
#ifndef ARCH_X86_64_X86_H
#define ARCH_X86_64_X86_H

#include "arch/arch.h"
#include "kernel/percpu.h"

#define X86_KERNEL_CS 0x08
#define X86_KERNEL_DS 0x10
#define X86_CR4_PGE   (1ul << 7)
#define RFLAGS_AC     (1ul << 18)

static inline u64 x86_read_cr2(void)
{
	u64 v;
	__asm__ __volatile__("mov %%cr2, %0" : "=r"(v));
	return v;
}
static inline u64 x86_read_cr3(void)
{
	u64 v;
	__asm__ __volatile__("mov %%cr3, %0" : "=r"(v));
	return v;
}
static inline void x86_write_cr3(u64 v)
{
	__asm__ __volatile__("mov %0, %%cr3" :: "r"(v) : "memory");
}
static inline u64 x86_read_cr0(void)
{
	u64 v;
	__asm__ __volatile__("mov %%cr0, %0" : "=r"(v));
	return v;
}
static inline u64 x86_read_cr4(void)
{
	u64 v;
	__asm__ __volatile__("mov %%cr4, %0" : "=r"(v));
	return v;
}
static inline void x86_write_cr4(u64 v)
{
	__asm__ __volatile__("mov %0, %%cr4" :: "r"(v) : "memory");
}
static inline void x86_cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ __volatile__("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			     : "a"(leaf), "c"(sub));
}

static inline u64 x86_rdmsr(u32 msr)
{
	u32 lo, hi;
	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}
static inline void x86_wrmsr(u32 msr, u64 v)
{
	__asm__ __volatile__("wrmsr" :: "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

#define MSR_APIC_BASE     0x1b
#define MSR_TSC_DEADLINE  0x6e0
#define MSR_GS_BASE       0xc0000101

/* The exception vectors the kernel treats apart (Intel SDM vol. 3A, 6.3.1, table 6-1); the
 * CPU's exceptions take vectors 0-31. */
#define VEC_NMI              2
#define VEC_DOUBLE_FAULT     8
#define VEC_GENERAL_PROT     13
#define VEC_PAGE_FAULT       14
#define VEC_NR_EXCEPTIONS    32
/* Interrupt vectors. */
#define VEC_TIMER     0xec
#define VEC_IPI       0xed
#define VEC_SPURIOUS  0xff

void x86_cpu_tables_init(unsigned cpu);
void x86_cpu_features_init(void);
extern bool x86_has_pcid;   /* CPUID.01H:ECX.PCID[bit 17] (x86_cpu_features_init) */
bool x86_in_ist_stack(uintptr_t sp);
void x86_set_user_kstack(uintptr_t top);
void x86_user_cpu_init(bool boot);
extern bool x86_smap_on;
void x86_console_init(void);
void x86_tsc_calibrate(void);
void x86_trap(struct trap_frame *f);

/* apic.c */
void lapic_init_boot(void);
void lapic_init_this_cpu(void);
void lapic_eoi(void);
u32 lapic_id(void);
void lapic_send_init(u32 apic_id);
void lapic_send_sipi(u32 apic_id, u8 vector_page);
const char *lapic_timer_mode(void);
/* acpi.c: the Local APIC ids of the CPUs the MADT lists as usable, boot CPU first. */
unsigned acpi_find_cpus(const u8 *rsdp, unsigned rsdp_len, u32 boot_apic_id, u64 *ids,
			unsigned max);
void x86_udelay(u64 us);
static inline u64 x86_cpu_hwid(unsigned cpu) { return cpu_block(cpu)->hwid; }

#endif
