/* x86_64-private helpers shared by the files of arch/x86_64/ (never included by generic code). */
#ifndef ARCH_X86_64_X86_H
#define ARCH_X86_64_X86_H

#include "arch/arch.h"

#define X86_KERNEL_CS 0x08
#define X86_KERNEL_DS 0x10
#define X86_CR4_PGE   (1ul << 7)

static inline u64 x86_read_cr2(void) { u64 v; __asm__ __volatile__("mov %%cr2, %0" : "=r"(v)); return v; }
static inline u64 x86_read_cr3(void) { u64 v; __asm__ __volatile__("mov %%cr3, %0" : "=r"(v)); return v; }
static inline void x86_write_cr3(u64 v) { __asm__ __volatile__("mov %0, %%cr3" :: "r"(v) : "memory"); }
static inline u64 x86_read_cr0(void) { u64 v; __asm__ __volatile__("mov %%cr0, %0" : "=r"(v)); return v; }
static inline u64 x86_read_cr4(void) { u64 v; __asm__ __volatile__("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void x86_write_cr4(u64 v) { __asm__ __volatile__("mov %0, %%cr4" :: "r"(v) : "memory"); }
static inline void x86_cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ __volatile__("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

void x86_cpu_tables_init(unsigned cpu);
void x86_cpu_features_init(void);
bool x86_in_ist_stack(uintptr_t sp);
void x86_console_init(void);
void x86_tsc_calibrate(void);
void x86_trap(struct trap_frame *f);

#endif
