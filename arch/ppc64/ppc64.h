/* ppc64-private declarations shared by the files of arch/ppc64/ (never included by generic
 * code). */
#ifndef ARCH_PPC64_PPC64_H
#define ARCH_PPC64_PPC64_H

#include "arch/arch.h"

struct boot_info;

/* hcall.S: `sc 1` with the PAPR calling convention. ppc64_hcall returns r3 (the status);
 * ppc64_hcall_ret also stores r4..r7 (the return values) into ret[0..3]. */
long ppc64_hcall(u64 op, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5, u64 a6);
long ppc64_hcall_ret(u64 ret[4], u64 op, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5);

/* rtas.c: RTAS services by name ("power-off"), tokens read from /rtas at boot. Arguments and
 * results are 32-bit cells; returns the RTAS status (0 = success) or -1 if the service is
 * unknown. Any CPU may call, interrupts on or off. */
void ppc64_rtas_init(const void *fdt);
int ppc64_rtas_call(const char *service, int nargs, int nret, u32 *rets, ...);

/* start.c, cpu.c */
extern u64 ppc64_tb_freq;
void ppc64_cpu_init(unsigned cpu, u32 hwid);   /* SPRG0 and the trap entry state of this CPU */
void ppc64_vectors_install(void);
void ppc64_trap(struct trap_frame *f);          /* entry.S calls this for every exception */
void ppc64_timer_interrupt(struct trap_frame *f);
void ppc64_external_interrupt(struct trap_frame *f);
void ppc64_system_reset(struct trap_frame *f);

/* user.c */
void ppc64_user_cpu_init(void);   /* this CPU's user-mode registers: IAMR (KUEP), FSCR, UAMOR */

/* mmu.c */
void ppc64_mmu_cpu_init(void);   /* this CPU's PIDR */

/* platform.c */
void ppc64_platform_cpu_init(void);   /* this CPU's interrupt presentation and decrementer */

/* SPR access */
#define mfspr(n) ({ u64 _v; __asm__ __volatile__("mfspr %0, %1" : "=r"(_v) : "i"(n)); _v; })
#define mtspr(n, v) __asm__ __volatile__("mtspr %0, %1" :: "i"(n), "r"((u64)(v)) : "memory")

/* This CPU's arch area (SPRG0: its direct-map address). */
static inline struct ppc64_cpu *ppc64_area(void) { return (struct ppc64_cpu *)mfspr(SPR_SPRG0); }

#endif
