/* The arch contract on plain memory, for tests/host/. "Physical memory" is one malloc'd block
 * (host_ram) and physical address 0 is its first byte; the vmemmap is another block.
 * The page-table format is deliberately unlike any real one (3 levels, an explicit table bit)
 * so that code which only works because of x86's encoding fails here. */
#ifndef ARCH_HOST_ARCH_INLINE_H
#define ARCH_HOST_ARCH_INLINE_H

#include <time.h>

#define PAGE_SHIFT     12
#define PT_LEVELS      3
#define PT_INDEX_BITS  9
#ifdef HOST_PT_ROOT_INDEX_BITS   /* a root wider than the other levels, as ppc64's radix has */
#define PT_ROOT_INDEX_BITS HOST_PT_ROOT_INDEX_BITS
#endif
#define MAX_CPUS       64

extern unsigned char *host_ram;         /* tests/host/host_arch.c */
extern void *host_vmemmap;
extern unsigned long host_ram_size;

#define DIRECT_MAP_BASE   ((uintptr_t)host_ram)
#define VMEMMAP_BASE      ((uintptr_t)host_vmemmap)
#define EARLY_MAP_LIMIT   ((phys_addr_t)host_ram_size)
#define KSTACK_AREA_BASE  0x40000000ul
#define KSTACK_AREA_SIZE  0x10000000ul
#define MMIO_AREA_BASE    0x50000000ul
#define MMIO_AREA_SIZE    0x10000000ul

typedef u64 pte_t;

struct trap_frame {
	uintptr_t ip, fp;
};

static inline void arch_irq_enable(void) {}
static inline void arch_irq_disable(void) {}
static inline unsigned long arch_irq_save(void) { return 0; }
static inline void arch_irq_restore(unsigned long f) { (void)f; }
static inline bool arch_irqs_enabled(void) { return false; }
static inline void arch_cpu_relax(void) {}
static inline void arch_wait_for_interrupt(void) {}
static inline void arch_mb(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
static inline void arch_rmb(void) { __atomic_thread_fence(__ATOMIC_ACQUIRE); }
static inline void arch_wmb(void) { __atomic_thread_fence(__ATOMIC_RELEASE); }
static inline u64 arch_cycles(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}
struct percpu;
extern struct percpu host_percpu;
static inline struct percpu *arch_this_cpu(void) { return &host_percpu; }
extern struct thread *host_current;
static inline struct thread *arch_current_thread(void) { return host_current; }
static inline void arch_current_set(struct thread *t) { host_current = t; }
static inline void arch_switched_frame(void *sp, uintptr_t *fp, uintptr_t *ip)
{
	(void)sp;
	*fp = *ip = 0;
}

static inline uintptr_t arch_frame_ip(const struct trap_frame *f) { return f->ip; }
static inline uintptr_t arch_frame_fp(const struct trap_frame *f) { return f->fp; }
static inline void arch_frame_set_ip(struct trap_frame *f, uintptr_t ip) { f->ip = ip; }
static inline uintptr_t arch_current_fp(void) { return 0; }
static inline bool arch_unwind(uintptr_t *fp, uintptr_t *ip) { (void)fp, (void)ip; return false; }

/* Entry: bit 0 present, bit 1 table (levels > 0), bits 2..7 MMU_* prot, bits 12.. address. */
#define HOST_PTE_P     0x1ull
#define HOST_PTE_TABLE 0x2ull
#define HOST_PTE_ADDR  0x000ffffffffff000ull

static inline bool arch_pt_leaf_ok(int level) { return level <= 2; }
static inline pte_t pte_mk_table(phys_addr_t pa) { return (pa & HOST_PTE_ADDR) | HOST_PTE_P | HOST_PTE_TABLE; }
static inline pte_t pte_mk_leaf(phys_addr_t pa, unsigned prot, int level)
{
	(void)level;
	return (pa & HOST_PTE_ADDR) | HOST_PTE_P | ((u64)(prot & 0x3f) << 2);
}
static inline bool pte_present(pte_t e) { return e & HOST_PTE_P; }
static inline bool pte_is_table(pte_t e, int level) { return level > 0 && (e & HOST_PTE_TABLE) && (e & HOST_PTE_P); }
static inline phys_addr_t pte_addr(pte_t e, int level) { (void)level; return e & HOST_PTE_ADDR; }
static inline unsigned pte_prot(pte_t e, int level) { (void)level; return (unsigned)((e >> 2) & 0x3f) | MMU_READ; }
static inline pte_t pte_read_once(const pte_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
/* A release store: in C11 terms it orders a new table's stores before the entry linking it,
 * which is pte_publish_barrier's job on hardware (ThreadSanitizer has no fences). */
static inline void pte_write(pte_t *p, pte_t e) { __atomic_store_n(p, e, __ATOMIC_RELEASE); }
static inline void pte_publish_barrier(void) { barrier(); }
/* As arm64 and ppc64: splits go through an invalid entry and a broadcast flush, which the host
 * tests watch (host_tlb_flush_hook, tests/host/host_arch.c). */
#define ARCH_HAS_TLB_BROADCAST
#define ARCH_NEEDS_BREAK_BEFORE_MAKE
static inline phys_addr_t arch_image_virt_to_phys(uintptr_t va) { return va - DIRECT_MAP_BASE; }

#endif
