/* The out-of-line half of arch/host: console to stdout, power-off as process exit, a RAM block
 * standing in for physical memory. */
#include "arch/host/host.h"
#include "kernel/percpu.h"
#include "lib/string.h"
#include <stdio.h>
#include <stdlib.h>

struct percpu host_percpu;
uintptr_t percpu_offsets[MAX_CPUS];   /* the one CPU's copy is the variables themselves */
bool debug_preempt;   /* host code has no preemption to check */
unsigned long preempt_debug_reports;
void preempt_debug_report(const char *what) { (void)what; }
unsigned char *host_ram;
void *host_vmemmap;
unsigned long host_ram_size;

void host_ram_init(unsigned long bytes)
{
	host_ram_size = bytes;
	host_ram = aligned_alloc(1 << 22, bytes);
	if (!host_ram) {
		fprintf(stderr, "host: cannot allocate %lu bytes of fake RAM\n", bytes);
		exit(2);
	}
	memset(host_ram, 0xa5, bytes);   /* not zero: code must not rely on fresh memory */
}

u64 arch_cycle_freq(void) { return 1000000000ull; }
void arch_console_putc(char c) { putchar(c); }
int arch_console_getc(void) { return -1; }
void arch_trap_dump(const struct trap_frame *f) { printf("ip %#lx fp %#lx\n", f->ip, f->fp); }
__noreturn void arch_halt_forever(void) { abort(); }
__noreturn void arch_power_off(int status)
{
	fflush(stdout);
	if (status)
		abort();   /* a panic: let the sanitizers print where */
	exit(0);
}
/* No MMU walks the host's tables and no TLB caches them: an address space has no hardware
 * context, loading one loads nothing, and the user TLB calls have nothing to flush. */
int arch_mm_init(struct mm *mm) { (void)mm; return 0; }
void arch_mm_destroy(struct mm *mm) { (void)mm; }
void arch_mmu_switch(struct mm *mm) { (void)mm; }
phys_addr_t arch_mmu_current_root(void) { return 0; }
void arch_mmu_init_kernel_root(phys_addr_t root) { (void)root; }
void arch_tlb_flush_user_page_local(struct mm *mm, uintptr_t va, int level)
{
	(void)mm, (void)va, (void)level;
}
void arch_tlb_flush_user_all_local(struct mm *mm) { (void)mm; }
void arch_tlb_flush_user_page_broadcast(struct mm *mm, uintptr_t va, int level)
{
	(void)mm, (void)va, (void)level;
}
void arch_tlb_flush_user_all_broadcast(struct mm *mm) { (void)mm; }
void arch_sync_icache_page(phys_addr_t pa) { (void)pa; }
void arch_tlb_flush_page_local(uintptr_t va, int level) { (void)va, (void)level; }
void arch_tlb_flush_all_local(void) {}
void (*host_tlb_flush_hook)(uintptr_t va, int level);
void arch_tlb_flush_page_broadcast(uintptr_t va, int level)
{
	if (host_tlb_flush_hook)
		host_tlb_flush_hook(va, level);
}
void arch_tlb_flush_all_broadcast(void) {}

/* The kernel's linker-made tables are empty on the host; tests build their own. */
#include "kernel/param.h"
const struct kparam __kparam_start[0], __kparam_end[0];

/* The host programs are single-CPU as far as kernel code knows: nobody else to stop. */
void smp_stop_others(void) {}

/* kernel/atomic.h: smp_mb()'s stand-in under ThreadSanitizer, which refuses fences. */
int smp_mb_tsan_word;
