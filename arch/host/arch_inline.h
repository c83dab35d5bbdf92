/* The arch contract on plain memory, for tests/host/: the inline functions, whose prototypes
 * arch.h declares (the constants and types are in arch_defs.h). The page-table format is
 * deliberately unlike any real one (3 levels, an explicit table bit) so that code which only
 * works because of x86's encoding fails here. */
#ifndef ARCH_HOST_ARCH_INLINE_H
#define ARCH_HOST_ARCH_INLINE_H

#include <sched.h>
#include <time.h>

/* Each host thread is a CPU that no interrupt ever reaches. Its interrupt flag is kept all the
 * same, so that what checks it (might_sleep, the lock checker) sees what it would in the kernel. */
extern __thread bool host_irqs_off;   /* arch/host/thread.c */
static inline void arch_irq_enable(void) { host_irqs_off = false; }
static inline void arch_irq_disable(void) { host_irqs_off = true; }
static inline unsigned long arch_irq_save(void)
{
	unsigned long was_off = host_irqs_off;
	host_irqs_off = true;
	return was_off;
}
static inline void arch_irq_restore(unsigned long f) { host_irqs_off = f; }
static inline bool arch_irqs_enabled(void) { return !host_irqs_off; }
/* Unlike a real CPU, a host thread can lose its CPU while it holds a spinlock: a spinner gives
 * way, or a ticket lock's waiters could spin for whole time slices behind a preempted one. */
static inline void arch_cpu_relax(void) { sched_yield(); }
static inline void arch_wait_for_interrupt(void) {}
#ifdef __SANITIZE_THREAD__
/* ThreadSanitizer refuses fences: a seq_cst read-modify-write of one shared word stands in
 * (kernel/atomic.h's smp_mb does the same, on the same word). */
extern int smp_mb_tsan_word;
static inline void arch_mb(void) { (void)__atomic_fetch_add(&smp_mb_tsan_word, 0, __ATOMIC_SEQ_CST); }
static inline void arch_rmb(void) { arch_mb(); }
static inline void arch_wmb(void) { arch_mb(); }
#else
static inline void arch_mb(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
static inline void arch_rmb(void) { __atomic_thread_fence(__ATOMIC_ACQUIRE); }
static inline void arch_wmb(void) { __atomic_thread_fence(__ATOMIC_RELEASE); }
#endif
static inline u64 arch_cycles(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}
/* One CPU block for every thread: kernel code whose per-CPU data must be used by one thread at a
 * time (the page allocator's lists) is tested single-threaded on the host. */
struct percpu;
extern struct percpu host_percpu;
static inline struct percpu *arch_this_cpu(void) { return &host_percpu; }
/* The running thread: each host thread's own, made on first use (arch/host/thread.c). */
extern __thread struct thread *host_current;
struct thread *host_thread_attach(void);
static inline struct thread *arch_current_thread(void)
{
	struct thread *t = host_current;
	return likely(t) ? t : host_thread_attach();
}
static inline void arch_current_set(struct thread *t) { host_current = t; }
static inline void arch_switched_frame(void *sp, uintptr_t *fp, uintptr_t *ip)
{
	(void)sp;
	*fp = *ip = 0;
}

static inline uintptr_t arch_frame_ip(const struct trap_frame *f) { return f->ip; }
static inline uintptr_t arch_frame_fp(const struct trap_frame *f) { return f->fp; }
static inline void arch_frame_set_ip(struct trap_frame *f, uintptr_t ip) { f->ip = ip; }
static inline bool arch_frame_irqs_enabled(const struct trap_frame *f) { return f->irqs_on; }
static inline uintptr_t arch_current_fp(void) { return 0; }
static inline bool arch_unwind(uintptr_t *fp, uintptr_t *ip) { (void)fp, (void)ip; return false; }

/* Entry: bit 0 present, bit 1 table (levels > 0), bits 2..7 MMU_* prot, bits 12.. address. */
#define HOST_PTE_P     0x1ull
#define HOST_PTE_TABLE 0x2ull
#define HOST_PTE_ADDR  0x000ffffffffff000ull

static inline bool arch_pt_leaf_ok(int level) { return level <= 2; }
static inline pte_t pte_mk_table(phys_addr_t pa)
{
	return (pa & HOST_PTE_ADDR) | HOST_PTE_P | HOST_PTE_TABLE;
}
static inline pte_t pte_mk_leaf(phys_addr_t pa, unsigned prot, int level)
{
	(void)level;
	return (pa & HOST_PTE_ADDR) | HOST_PTE_P | ((u64)(prot & 0x3f) << 2);
}
static inline bool pte_present(pte_t e) { return e & HOST_PTE_P; }
static inline bool pte_is_table(pte_t e, int level)
{
	return level > 0 && (e & HOST_PTE_TABLE) && (e & HOST_PTE_P);
}
static inline phys_addr_t pte_addr(pte_t e, int level) { (void)level; return e & HOST_PTE_ADDR; }
static inline unsigned pte_prot(pte_t e, int level)
{
	(void)level;
	return (unsigned)((e >> 2) & 0x3f) | MMU_READ;
}
static inline pte_t pte_read_once(const pte_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static inline pte_t pte_cmpxchg(pte_t *p, pte_t old, pte_t new)
{
	__atomic_compare_exchange_n(p, &old, new, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	return old;
}
/* A release store: in C11 terms it orders a new table's stores before the entry linking it,
 * which is pte_publish_barrier's job on hardware (ThreadSanitizer has no fences). */
static inline void pte_write(pte_t *p, pte_t e) { __atomic_store_n(p, e, __ATOMIC_RELEASE); }
static inline void pte_publish_barrier(void) { barrier(); }
static inline pte_t pte_mk_soft(u64 val) { return (val << 2) | 2; }
static inline u64 pte_soft_val(pte_t e) { return e >> 2; }
static inline u64 pte_value(pte_t e) { return e; }
static inline const struct pte_field *pte_fields(bool table, unsigned *n)
{
	(void)table;
	*n = 0;
	return NULL;
}
static inline phys_addr_t arch_image_virt_to_phys(uintptr_t va) { return va - DIRECT_MAP_BASE; }

#endif
