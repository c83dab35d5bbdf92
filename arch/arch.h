/*
 * arch/arch.h: THE contract between generic code and an architecture.
 *
 * Generic code includes this file and nothing under arch/<name>/. A port implements every
 * function declared here. The hot ones are declared `static inline` below and defined in the
 * arch's own arch_inline.h, which is pulled in at the bottom: a definition whose signature
 * differs from its prototype here is a compile error ("conflicting types"), and one that is
 * missing is one too ("declared 'static' but never defined"). Both headers are found on the
 * include path (-Iarch/<name>). arch/host/ implements the same contract on plain memory and
 * pthreads, so that tests/host/ can compile the kernel's sources as they are.
 *
 * Each port's arch_defs.h, included first, defines its constants and types:
 *   PAGE_SHIFT                      log2 of the base page size (12 everywhere today)
 *   PT_LEVELS, PT_INDEX_BITS        page-table levels; index bits per level (level 0 = leaf PTEs)
 *   PT_ROOT_INDEX_BITS              optional: index bits of the root level when it differs from
 *                                   the others (ppc64 radix: 13); the root table is then
 *                                   2^PT_ROOT_INDEX_BITS entries, aligned to its size
 *   DIRECT_MAP_BASE                 virtual address of physical 0 in the direct map of RAM
 *   VMEMMAP_BASE                    virtual address of struct page for pfn 0
 *   KSTACK_AREA_BASE/_SIZE          virtual range for kernel stacks with guard pages
 *   MMIO_AREA_BASE/_SIZE            virtual range for device mappings
 *   EARLY_MAP_LIMIT                 RAM below this is reachable through the direct map before
 *                                   mm_init() has built the real page tables
 *   MAX_CPUS
 *   USER_VA_END                     user addresses are [0, USER_VA_END) (see "User address
 *                                   spaces" below)
 *   struct arch_mm_context          a user address space's hardware context (ditto)
 *   ARCH_ELF_MACHINE                e_machine of the user programs the port runs
 *                                   (kernel/user/elf.h)
 *   pte_t                           the raw page-table entry type
 *   struct trap_frame               registers saved on a trap
 *   ARCH_HAS_TLB_BROADCAST,         feature flags (see the MMU section): defined as 1 by a port
 *   ARCH_NEEDS_BREAK_BEFORE_MAKE    that has the feature, not defined at all by one that has
 *                                   not; generic code tests them with #ifdef
 */
#ifndef ARCH_ARCH_H
#define ARCH_ARCH_H

#include "kernel/atomic.h"
#include "kernel/compiler.h"
#include <arch_defs.h>

#if defined(ARCH_HAS_TLB_BROADCAST) && (ARCH_HAS_TLB_BROADCAST + 0) != 1
#error "ARCH_HAS_TLB_BROADCAST is defined as 1 or not at all (arch/arch.h)"
#endif
#if defined(ARCH_NEEDS_BREAK_BEFORE_MAKE) && (ARCH_NEEDS_BREAK_BEFORE_MAKE + 0) != 1
#error "ARCH_NEEDS_BREAK_BEFORE_MAKE is defined as 1 or not at all (arch/arch.h)"
#endif

struct mm;
struct percpu;
struct thread;

/* ---- Generic protection bits, translated by the arch's PTE encoder. ---- */
#define MMU_READ    0x01u  /* readable (every present mapping is) */
#define MMU_WRITE   0x02u
#define MMU_EXEC    0x04u
#define MMU_USER    0x08u  /* accessible from user mode */
#define MMU_GLOBAL  0x10u  /* not tagged with an address-space id (kernel mappings) */
#define MMU_DEVICE  0x20u  /* uncached device memory */

/* ---- Access flags describing a fault, filled in by the arch trap decoder. ---- */
#define FAULT_READ     0x01u
#define FAULT_WRITE    0x02u
#define FAULT_EXEC     0x04u
#define FAULT_USER     0x08u  /* the access came from user mode */
#define FAULT_PRESENT  0x10u  /* a translation existed: a protection fault, not a missing page */
#define FAULT_RSVD     0x20u  /* the walk met a malformed entry (x86: a reserved bit set, error
			       * code bit 3): a corrupt table, never a fault to handle */

struct fault_info {
	uintptr_t addr;   /* faulting virtual address */
	unsigned access;  /* FAULT_* */
	uintptr_t ip;     /* instruction that faulted */
};

/* ================================================================================================
 * Called BY the arch, implemented by generic code.
 * ============================================================================================== */

struct boot_info;
/* The arch's boot code calls this once on the boot CPU, with the console usable, traps
 * installed, interrupts off and the early mappings of EARLY_MAP_LIMIT in place. */
__noreturn void kmain(struct boot_info *bi);

/* A page fault or access fault. Returns 0 if handled (the access is retried), or a negative errno
 * if not; the arch then tries an exception fixup and, failing that, reports and panics. */
int fault_entry(const struct fault_info *fi, struct trap_frame *frame);

/* An exception fixup: if the trapping ip is covered by an entry of the exception table (a probe
 * that is allowed to fault), move the frame to the fixup and return true. */
bool extable_fixup(struct trap_frame *frame);

/* ================================================================================================
 * CPU
 * ============================================================================================== */
static inline void arch_irq_enable(void);
static inline void arch_irq_disable(void);
static inline unsigned long arch_irq_save(void);          /* disable, return the previous state */
static inline void arch_irq_restore(unsigned long flags);
static inline bool arch_irqs_enabled(void);
static inline void arch_cpu_relax(void);                  /* inside spin loops */
static inline void arch_wait_for_interrupt(void);         /* halt until an interrupt arrives */
static inline void arch_mb(void);                         /* full barrier */
static inline void arch_rmb(void);                        /* read barrier: loads only */
static inline void arch_wmb(void);                        /* write barrier: stores only */
/* A free-running cycle counter, the same timeline on every CPU. */
static inline u64 arch_cycles(void);
u64 arch_cycle_freq(void);       /* cycle counter frequency in Hz, measured or read at boot */
__noreturn void arch_halt_forever(void);   /* interrupts off, halt this CPU for good */

/* ================================================================================================
 * Console: the boot serial port. Both work from the first instruction of kmain and are safe to
 * call with interrupts off. Callers serialise (printk holds its lock).
 * ============================================================================================== */
void arch_console_putc(char c);  /* '\n' is sent as CR LF by the arch */
int arch_console_getc(void);     /* a received byte, or -1 if none is waiting */

/* ================================================================================================
 * Traps and diagnostics
 * ============================================================================================== */
void arch_trap_dump(const struct trap_frame *f);   /* every register, decoded where useful */
static inline uintptr_t arch_frame_ip(const struct trap_frame *f);
static inline uintptr_t arch_frame_fp(const struct trap_frame *f);
static inline void arch_frame_set_ip(struct trap_frame *f, uintptr_t ip);
/* Were interrupts enabled where the trap happened? fault_entry() may sleep (mmap_lock, page
 * allocation) only if they were: it then enables them while it works, as Linux's fault handlers
 * do; with them off (or preemption off) a fault is not handled, as under Linux's
 * faulthandler_disabled(). */
static inline bool arch_frame_irqs_enabled(const struct trap_frame *f);
static inline uintptr_t arch_current_fp(void);            /* this function's frame pointer */
/* One step of a frame-pointer backtrace: from frame *fp, load the caller's frame pointer into
 * *fp and the return address into *ip; false when the chain ends. */
static inline bool arch_unwind(uintptr_t *fp, uintptr_t *ip);

/* Probes that may fault: they return 0, or -EFAULT if the access faulted (through extable). */
int arch_probe_read(const void *addr, u64 *val);
int arch_probe_write(void *addr, u64 val);

/* Run fn(arg) on another stack; fn must not return. Used to leave the boot stack. */
__noreturn void arch_call_on_stack(void *stack_top, void (*fn)(void *), void *arg);

/* ================================================================================================
 * MMU. Generic code (mm/pgtable.c) walks the levels PT_LEVELS-1 (root) down to 0; the arch only
 * encodes and decodes entries. A zero entry is "not present" on every arch.
 * ============================================================================================== */
static inline bool arch_pt_leaf_ok(int level);           /* may a leaf (block) live here? */
static inline pte_t pte_mk_table(phys_addr_t table_pa);   /* points at a next-level table */
static inline pte_t pte_mk_leaf(phys_addr_t pa, unsigned prot, int level);   /* MMU_* prot */
static inline bool pte_present(pte_t e);
static inline bool pte_is_table(pte_t e, int level);      /* present and pointing to a table */
static inline phys_addr_t pte_addr(pte_t e, int level);   /* the table or frame it points at */
static inline unsigned pte_prot(pte_t e, int level);      /* MMU_* bits of a leaf */
static inline pte_t pte_read_once(const pte_t *p);
static inline void pte_write(pte_t *p, pte_t e);          /* a single untorn store */
/* Replace *p by new if it still holds old, atomically against other CPUs and against the
 * hardware's own updates of the entry (accessed and dirty bits); returns what *p held (old on
 * success). With full-barrier semantics, so a lockless fault that wins the race has published
 * everything it wrote before (the zeroed page) to whoever reads the entry. */
static inline pte_t pte_cmpxchg(pte_t *p, pte_t old, pte_t new);
/* Order every earlier store to page-table memory (a new table being zeroed or filled) before
 * the next pte_write (the entry that links that table in), as seen by every CPU's table walker
 * and by lockless software walkers. */
static inline void pte_publish_barrier(void);
/* A software entry, at level 0 only: not present to the MMU (pte_present() is false, and no
 * walker caches it) but not empty (not 0) either, carrying a value of up to 52 bits for generic
 * code: the frame of a PROT_NONE page, which must stay with its address until a later mprotect
 * makes it accessible again (mm/memory.c). pte_soft_val() gives the value back. */
static inline pte_t pte_mk_soft(u64 val);
static inline u64 pte_soft_val(pte_t e);
/* For the monitor's `walk` (kernel/monitor.c): an entry as the CPU's manuals show it (its value
 * in the CPU's byte order: ppc64 keeps tables big-endian), and the fields of a table entry
 * (table true) or a leaf, each named as the manuals name it; pte_field_names lists those whose
 * (value & mask) == match. */
struct pte_field { u64 mask, match; const char *name; };
static inline u64 pte_value(pte_t e);
static inline const struct pte_field *pte_fields(bool table, unsigned *n);
/* The physical address of a byte of the kernel image (its text, data or bss). */
static inline phys_addr_t arch_image_virt_to_phys(uintptr_t va);
/* Prepare the kernel's root before it is first loaded (e.g. entries the arch keeps for itself;
 * on x86 every top-level entry of the kernel half, which user roots copy). */
void arch_mmu_init_kernel_root(phys_addr_t root);
/* The root this CPU translates user (arm64, ppc64: else kernel) addresses with: for tests. */
phys_addr_t arch_mmu_current_root(void);

/* ---- User address spaces (struct mm, mm/mm.h). ----
 * A port's arch_defs.h defines USER_VA_END and struct arch_mm_context: the hardware context of
 * one address space (an ASID, PCID or PID, and what the port needs to reuse them), which generic
 * code zeroes when it creates the mm and otherwise never touches. init_mm is the kernel's own:
 * its pgd is kernel_pt_root and it has no user half. */
/* A new mm whose pgd (pgtable_root_alloc) is still empty: fill in what every root of this arch
 * holds (x86: the kernel half) and the context. 0, or -ENOMEM/-ENOSPC (no id left). */
int arch_mm_init(struct mm *mm);
/* The mm is gone from every CPU (no CPU has it loaded); its user tables are freed after this
 * (and a grace period): give its context back, after making sure no TLB can use entries tagged with it again (arm64, ppc64:
 * flushed before the ASID or PID is reused; x86: its id is never reused, pcid.c). */
void arch_mm_destroy(struct mm *mm);
/* Load mm on this CPU, interrupts off: its user half (init_mm: none, so user addresses fault)
 * with its context. mm_switch() (mm/mm.c) has set this CPU's bit in mm->cpumask first. The
 * first call, with init_mm on the boot CPU in mm_init, also loads the kernel's root. */
void arch_mmu_switch(struct mm *mm);
/* User TLB maintenance, of mm's translations only (its context). Local forms on this CPU,
 * where mm may or may not be loaded; broadcast forms (ARCH_HAS_TLB_BROADCAST) on every CPU.
 * mm/tlb.c picks: broadcast where the arch has it, else IPIs to mm->cpumask. The _all forms
 * also drop every cached table entry of mm (page-walk caches), so freed tables are safe. */
void arch_tlb_flush_user_page_local(struct mm *mm, uintptr_t va, int level);
void arch_tlb_flush_user_all_local(struct mm *mm);
void arch_tlb_flush_user_page_broadcast(struct mm *mm, uintptr_t va, int level);
void arch_tlb_flush_user_all_broadcast(struct mm *mm);
/* The page at pa is about to be mapped executable in user space with contents the kernel wrote
 * (zeroed, copied) or a user wrote through a writable mapping: make every CPU's instruction
 * fetch see them (arm64, ppc64: clean the data cache to the point of unification through the
 * direct map, invalidate the instruction cache; x86: nothing, its fetch is coherent). */
void arch_sync_icache_page(phys_addr_t pa);
/* TLB maintenance on this CPU only. The by-page forms invalidate the translation of va made by
 * a leaf at `level` (0: a base page; a block of pt_level_size(level) above, see mm/pgtable.h).
 * The size matters where the hardware matches it: a ppc64 radix tlbie only removes entries of
 * the page size it names. x86 and arm64 remove whatever maps va and ignore it. */
void arch_tlb_flush_page_local(uintptr_t va, int level);
void arch_tlb_flush_all_local(void);      /* including global (kernel) entries */
/* Broadcast maintenance, for arches whose hardware invalidates every CPU's TLB with one
 * instruction (ppc64 tlbie, arm64 TLBI ...IS): such an arch defines ARCH_HAS_TLB_BROADCAST in
 * its arch_defs.h and implements these, which return once every CPU is done. Elsewhere
 * mm/tlb.c shoots down with IPIs and the local variants. */
void arch_tlb_flush_page_broadcast(uintptr_t va, int level);
void arch_tlb_flush_all_broadcast(void);
/* An arch whose architecture forbids replacing a valid leaf by a table of smaller leaves in one
 * store (the TLB could then hold both sizes for one address) defines
 * ARCH_NEEDS_BREAK_BEFORE_MAKE: mm/pgtable.c then makes the leaf invalid and flushes it with
 * arch_tlb_flush_page_broadcast before installing the table. Such an arch must have
 * ARCH_HAS_TLB_BROADCAST: the split runs under the page-table lock with interrupts off, where
 * no IPI can be waited for. */
#if defined(ARCH_NEEDS_BREAK_BEFORE_MAKE) && !defined(ARCH_HAS_TLB_BROADCAST)
#error "break-before-make flushes with the broadcast TLB calls: define ARCH_HAS_TLB_BROADCAST"
#endif

/* ================================================================================================
 * Platform, SMP, timers and IPIs. The generic side is kernel/smp.c and kernel/sched/ (the
 * scheduler, timers).
 * ============================================================================================== */
/* After mm_init, on the boot CPU: map and initialise the interrupt controller and the per-CPU
 * timer of this CPU, and fill in bi->cpus/bi->nr_cpus (boot CPU first) from the firmware
 * (ACPI MADT, device tree). Interrupts stay disabled. */
void arch_platform_init(struct boot_info *bi);
/* This CPU's firmware id (what bi->cpus[].hwid holds for it) as the CPU itself reads it: x86 its
 * local APIC's ID register, arm64 MPIDR_EL1's affinity fields. ppc64 under QEMU's pseries has no
 * register for it (PIR reads 0 on every CPU): there it is the interrupt-server number the CPU put
 * in its arch area (ppc64_cpu_init) from its own start record. For tests and diagnostics. */
u64 arch_cpu_hwid(void);
/* One try at starting a secondary CPU (kernel/smp.c, docs/smp.md). The boot CPU fills it in before
 * arch_cpu_prepare(s) and never reuses it, nor the stack it names; from then on only `state`,
 * `requested_cycles` and `start_err` (the boot CPU) and, by a late CPU, `late_cycles` change. The
 * handshake: the new CPU moves state WAITING -> ARRIVED (smp_secondary_arrive) before it touches
 * anything shared; the boot CPU, when it stops waiting, moves it WAITING -> ABANDONED. Exactly one
 * of the two wins. A CPU that loses parks. */
enum { CPU_START_WAITING = 1, CPU_START_ARRIVED, CPU_START_ABANDONED, CPU_START_LATE };
struct cpu_start {
	atomic_t state;        /* CPU_START_*; changed only by atomic compare-and-swap */
	unsigned attempt;      /* the CPU's index in the firmware's list (boot_info.cpus) */
	unsigned cpu;          /* the number it takes if it arrives in time */
	u64 hwid;              /* its firmware id: APIC id, MPIDR, interrupt-server number */
	void *stack_top;       /* its own start-up stack: leaked, never reused, if abandoned */
	u64 requested_cycles;  /* arch_cycles() when the boot CPU asked the firmware to start it */
	int start_err;         /* 0, or why arch_cpu_prepare or arch_cpu_kick failed (boot CPU) */
	u64 late_cycles;       /* arch_cycles() when a late CPU answered (it writes this first,
	                        * then LATE) */
};
/* Starting the CPU s->hwid on s->stack_top takes two calls, on the boot CPU, so that a test can
 * start a CPU after the others (smp.test_late_cpu) with everything else as in a normal boot.
 * arch_cpu_prepare(s) writes what the new CPU will read to find s and its stack (x86: a start
 * record that the trampoline looks up by APIC id; arm64: the block PSCI CPU_ON hands it; ppc64:
 * the stack slot RTAS start-cpu's r3 names), each piece in memory of its own that no other start
 * rewrites. arch_cpu_kick(s) asks the hardware or firmware to start it (x86 INIT-SIPI-SIPI, arm64
 * CPU_ON, ppc64 start-cpu); it follows a successful prepare of the same s, perhaps only after other
 * CPUs have been prepared and kicked. Both return 0 or a negative errno; after a successful kick
 * the generic side waits for the handshake.
 * Until smp_secondary_arrive(s) returns, the new CPU may touch only s, that stack, its own
 * registers and data that are the same for every start (code, page tables that are only ever
 * added to): a later start may rewrite anything else. Then it owns CPU number s->cpu: it does its
 * own set-up (traps, MMU with kernel_pt_root, per-CPU base, interrupt controller, timer) and calls
 * secondary_entry(s->cpu) with interrupts disabled. */
int arch_cpu_prepare(struct cpu_start *s);
int arch_cpu_kick(struct cpu_start *s);
/* Stop this CPU for good with interrupts off, for a CPU that lost the handshake: it has no per-CPU
 * data, so this may touch nothing shared but s (x86: cli; hlt; arm64: wfi with every exception
 * masked; ppc64: RTAS stop-self with a buffer of its own). */
__noreturn void arch_cpu_park(struct cpu_start *s);
/* Make this CPU's per-CPU pointer (register: x86 GS base, arm64 TPIDR_EL1, ppc64 r13/SPRG) point
 * at pc. Called once per CPU before anything uses per-CPU data. */
void arch_percpu_set(struct percpu *pc);
static inline struct percpu *arch_this_cpu(void);   /* read it back (fast; hot paths use it) */
/* The running thread. The generic struct percpu keeps it PERCPU_CURRENT_OFFSET bytes in, and
 * the scheduler updates that field at every switch; but a thread that reads the per-CPU pointer
 * and then the field may be preempted and moved in between, and read another CPU's thread. So
 * arch_current_thread() reads it in one step no interrupt can split: one load relative to the
 * per-CPU register (x86 %gs, ppc64 r13), or a register that follows the thread (arm64: x18,
 * reserved with -ffixed-x18). A volatile asm: a thread's own value never changes, but the
 * scheduler's function changes it in the middle, and a cached or moved read there picks up the
 * wrong thread. */
#define PERCPU_CURRENT_OFFSET 8
#define PERCPU_ARCH_SCRATCH_OFFSET 48   /* struct percpu's arch_scratch[2] (kernel/percpu.h) */
static inline struct thread *arch_current_thread(void);
/* The scheduler, just before switching to t (interrupts off), and percpu_bind(): make t what
 * arch_current_thread() returns on this CPU from now on. */
static inline void arch_current_set(struct thread *t);
/* For a thread switched out by arch_context_switch, whose saved stack pointer is sp: the frame
 * pointer and ip from which backtrace_print() walks its stack (ip may be 0). */
static inline void arch_switched_frame(void *sp, uintptr_t *fp, uintptr_t *ip);
/* Interrupt this CPU; the target calls ipi_interrupt(). Every store this CPU made before the
 * call is visible to the target by the time it runs ipi_interrupt(): the arch fences before the
 * send where the send itself does not order memory (x86 x2APIC: MFENCE; LFENCE before WRMSR;
 * arm64: DSB ISHST before the SGI register write; ppc64: sync before the H_IPI hcall). Sending
 * to yourself is allowed. */
void arch_send_ipi(unsigned cpu);
/* Stop `cpu` even if it has interrupts disabled where the arch can (x86: NMI); the target calls
 * panic_stop_self(frame). Used by panic. Earlier stores are visible as for arch_send_ipi. */
void arch_send_stop(unsigned cpu);
/* Program this CPU's one-shot timer to fire at the cycle-counter value `deadline` (in the past:
 * fire at once); the handler calls timer_interrupt(frame). arch_timer_cancel() disarms it. */
void arch_timer_arm(u64 deadline);
void arch_timer_cancel(void);

/* Called BY the arch: */
/* First thing on a new CPU (see struct cpu_start): returns the CPU number it now owns, with its
 * cpu_block's hwid set to s->hwid, or parks it for good (arch_cpu_park) if the boot CPU has given
 * up on it. Touches no per-CPU data unless it won. */
unsigned smp_secondary_arrive(struct cpu_start *s);
__noreturn void secondary_entry(unsigned cpu);
void timer_interrupt(struct trap_frame *frame);
void ipi_interrupt(struct trap_frame *frame);
__noreturn void panic_stop_self(struct trap_frame *frame);

/* ================================================================================================
 * Context switch
 * ============================================================================================== */
/* Save the callee-saved registers on the current stack, store the stack pointer in *save_sp,
 * switch to next_sp, restore that thread's registers and return into it. */
void arch_context_switch(void **save_sp, void *next_sp);
/* Lay out a new thread's stack so that the first arch_context_switch to the returned stack
 * pointer calls entry(arg) (entry must not return) with interrupts disabled. */
void *arch_thread_stack_init(void *stack_top, void (*entry)(void *), void *arg);

/* ================================================================================================
 * User mode (kernel/user/, docs/user.md). A user thread is a kernel thread that has adopted its
 * process's mm and then, from its kernel function, enters user mode for good. Its user registers
 * live in a struct trap_frame at the top of its kernel stack (arch_user_frame()): every trap from
 * user mode saves them there, and every return to user mode restores them from there. What else
 * of user mode a thread owns (FPU/SIMD registers, the TLS base) is the arch's struct
 * arch_thread_state (arch_defs.h) in struct thread, zeroed at creation.
 * A port that implements this section defines ARCH_HAS_USER_MODE as 1 in its arch_defs.h;
 * kernel/user/ is built only where it does.
 * ============================================================================================== */
#ifdef ARCH_HAS_USER_MODE
/* The user frame of the thread whose kernel stack ends at stack_top. */
static inline struct trap_frame *arch_user_frame(void *stack_top);
/* Make f a frame that starts user mode at pc with stack pointer sp: user privilege, interrupts
 * enabled, every other register 0. */
void arch_user_frame_init(struct trap_frame *f, uintptr_t pc, uintptr_t sp);
/* The first entry into user mode: f is the current thread's arch_user_frame(), interrupts off,
 * preemption on. Traps from user mode come back into the kernel on the same stack; they return
 * to user mode by their own exit path. */
__noreturn void arch_enter_user(struct trap_frame *f);
static inline bool arch_frame_from_user(const struct trap_frame *f);
static inline uintptr_t arch_frame_sp(const struct trap_frame *f);
static inline void arch_frame_set_sp(struct trap_frame *f, uintptr_t sp);
/* System calls, with Linux's convention on each arch (number register, six argument registers,
 * the return value; ppc64 flags an error in CR0.SO with a positive errno). arch_syscall_nr is
 * what the user asked for; arch_syscall_set_return takes a value or a negative errno. */
static inline unsigned long arch_syscall_nr(const struct trap_frame *f);
static inline unsigned long arch_syscall_arg(const struct trap_frame *f, unsigned i);  /* 0-5 */
static inline void arch_syscall_set_return(struct trap_frame *f, long ret);
/* The thread-pointer register (x86 FS base, arm64 TPIDR_EL0, ppc64 r13) of t, whose user frame
 * is f: t is the current thread or one not yet started. 0, or -EPERM for a value the register
 * cannot hold (x86: not canonical in the user half; WRMSR would #GP), as Linux refuses it. */
int arch_thread_set_tls(struct thread *t, struct trap_frame *f, uintptr_t tls);
/* child is a new user thread that starts as a copy of the current one (clone): give it the
 * current thread's FPU/SIMD registers and TLS base as they are now. */
void arch_thread_copy_user_state(struct thread *child);
/* The scheduler, interrupts off, just before switching from prev to next (either or both may
 * be user threads, thread->user): save prev's live user-only state into prev->arch, load next's,
 * and make next's kernel stack the one the next trap from user mode lands on. */
void arch_user_switch(struct thread *prev, struct thread *next);
/* The kernel has written instructions into user memory of the mm the current thread has
 * adopted, [start, start + len), every byte of it present (exec copies a program in): make them
 * what every CPU's instruction fetch sees (arm64: DC CVAU, IC IVAU; ppc64: dcbst, icbi; x86's
 * instruction caches are coherent: nothing). */
void arch_sync_icache_user(uintptr_t start, size_t len);
/* Copy n bytes between a user and a kernel buffer (either direction) with user access allowed
 * (x86 SMAP: stac/clac; arm64 PAN). Faults on the user side end the copy through the exception
 * table. Returns the number of bytes NOT copied (0: all of them). Callers check the range first
 * (kernel/user/uaccess.c): this only survives faults. */
size_t arch_copy_user(void *dst, const void *src, size_t n);

/* Called BY the arch: */
/* A system call from user mode, interrupts off; f is the user frame. Runs the call with
 * interrupts on and returns with them off, ready for the arch's return to user mode. */
void syscall_entry(struct trap_frame *f);
/* An exception from user mode that nothing handled (a page fault fault_entry refused, an
 * invalid instruction, ...): kills the process with one report line, never returns. sig is the
 * signal Linux would send (USER_SIG*: its status is 128 + sig); `what` names it ("read",
 * "write", "exec" for faults, else the exception), addr is the data address (0 if none).
 * Called with interrupts in any state. */
#define USER_SIGILL   4
#define USER_SIGTRAP  5
#define USER_SIGBUS   7
#define USER_SIGFPE   8
#define USER_SIGSEGV 11
__noreturn void user_fatal_trap(struct trap_frame *f, int sig, const char *what, uintptr_t addr);
/* Just before any return to user mode, interrupts off: reschedule if asked, leave if the
 * process is exiting. May enable interrupts on the way and turns them off again. */
void user_return_work(struct trap_frame *f);
#endif /* ARCH_HAS_USER_MODE */

/* ================================================================================================
 * Power
 * ============================================================================================== */
/* Power the machine off. status 0 means the run passed; anything else means it failed. The host
 * harness reads the difference from QEMU's exit status where the machine allows it. */
__noreturn void arch_power_off(int status);

#include <arch_inline.h>

#define PAGE_SIZE    (1ul << PAGE_SHIFT)
#define PAGE_MASK    (~(PAGE_SIZE - 1))
#define PT_ENTRIES   (1u << PT_INDEX_BITS)   /* entries of a table below the root */
#ifndef PT_ROOT_INDEX_BITS
#define PT_ROOT_INDEX_BITS PT_INDEX_BITS
#endif
#define PT_ROOT_SIZE ((1ul << PT_ROOT_INDEX_BITS) * sizeof(pte_t))

#endif
