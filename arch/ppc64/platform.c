/* ppc64 platform: CPUs from the device tree, XICS interrupt presentation through hcalls, the
 * decrementer as the one-shot timer, IPIs and stop requests, secondary start through RTAS
 * start-cpu, and new threads' stacks. Per-CPU hardware state is touched only by its own CPU;
 * stop_requested is written by the panicking CPU before it signals the target. */
#include "arch/ppc64/ppc64.h"
#include "boot/boot_info.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "lib/fdt.h"
#include "lib/string.h"

/* XICS through hcalls (PAPR 14.5.4.2 and QEMU hw/intc/xics_spapr.c). Each CPU's presentation
 * controller has a current priority (CPPR: interrupts of a more favoured, i.e. lower, priority
 * get through), an MFRR (a priority below 0xff raises an IPI) and the XIRR it reads to accept
 * the highest interrupt: bits 31..24 the previous CPPR, 23..0 the source (XISR). */
#define XICS_CPPR_OPEN  0xff
#define XICS_IPI_PRIO   0x04   /* MFRR for an IPI */
#define XICS_MFRR_NONE  0xff
#define XISR_NONE       0
#define XISR_IPI        2

/* The decrementer counts down at the timebase frequency and interrupts when it goes negative
 * (Book III, 9.4). Values up to 2^31-1 are positive whether or not the large decrementer
 * (ibm,dec-bits) is in use. */
#define DEC_MAX 0x7fffffffl

static DEFINE_PER_CPU(bool, stop_requested);

/* ---- CPUs ---- */

/* Every thread of every "cpu" node under /cpus, by interrupt-server number (what H_IPI and
 * start-cpu take), the boot CPU first. Returns how many. */
static unsigned __init find_cpus(const struct fdt *f, u32 boot, u64 *ids, unsigned max)
{
	unsigned n = 1;
	bool boot_seen = false;
	ids[0] = boot;
	int cpus = fdt_path(f, "/cpus");
	for (int c = cpus >= 0 ? fdt_first_child(f, cpus) : -1; c >= 0;
	     c = fdt_next_sibling(f, c)) {
		const char *type = fdt_prop_string(f, c, "device_type");
		const char *status = fdt_prop_string(f, c, "status");
		if (!type || strcmp(type, "cpu") || (status && strcmp(status, "okay")))
			continue;
		u32 len;
		const u8 *servers = fdt_prop(f, c, "ibm,ppc-interrupt-server#s", &len);
		for (u32 i = 0; servers && i + 4 <= len; i += 4) {
			u32 id = fdt_be32(servers + i);
			if (id == boot)
				boot_seen = true;
			else if (n < max)
				ids[n++] = id;
		}
	}
	if (!boot_seen)
		pr_warn("ppc64: the boot CPU %#x is not in /cpus\n", boot);
	return n;
}

/* This CPU's interrupt presentation open to every priority, its decrementer quiet. */
void ppc64_platform_cpu_init(void)
{
	arch_timer_cancel();
	ppc64_hcall(H_CPPR, XICS_CPPR_OPEN, 0, 0, 0, 0, 0);
}

void __init arch_platform_init(struct boot_info *bi)
{
	struct fdt f;
	const u8 *blob = bi->fdt;
	if (!blob || fdt_open(&f, blob, fdt_be32(blob + 4)) < 0)
		panic("ppc64: the device tree is gone");
	if (fdt_find_compatible(&f, -1, "IBM,ppc-xicp") < 0)
		panic("ppc64: no XICS interrupt controller (IBM,ppc-xicp) in the device tree");
	u64 ids[BOOT_MAX_CPUS];
	bi->nr_cpus = find_cpus(&f, f.boot_cpuid, ids,
				MIN((unsigned)BOOT_MAX_CPUS, (unsigned)MAX_CPUS));
	for (unsigned i = 0; i < bi->nr_cpus; i++)
		bi->cpus[i].hwid = ids[i];
	ppc64_area()->hwid = f.boot_cpuid;
	cpu_block(0)->hwid = f.boot_cpuid;
	ppc64_platform_cpu_init();
}

/* No register holds the server number under QEMU's pseries (PIR reads 0 on every CPU): this is
 * the copy each CPU keeps in its own arch area, found through its own SPRG0. */
u64 arch_cpu_hwid(void) { return ppc64_area()->hwid; }

/* ---- Timer ---- */

void arch_timer_arm(u64 deadline)
{
	s64 d = (s64)(deadline - arch_cycles());
	mtspr(SPR_DEC, d < 1 ? 1 : d > DEC_MAX ? DEC_MAX : d);
}

void arch_timer_cancel(void) { mtspr(SPR_DEC, DEC_MAX); }

void ppc64_timer_interrupt(struct trap_frame *f)
{
	/* The condition persists while DEC is negative: make it positive first. */
	mtspr(SPR_DEC, DEC_MAX);
	timer_interrupt(f);
}

/* ---- IPIs and stopping ---- */

/* The target must see this CPU's earlier stores (arch_send_ipi). `sc 1` is context
 * synchronising, which orders instructions, not storage accesses: the hypervisor may raise the
 * IPI while those stores are not yet performed for the target. sync (Book II, "Memory Barrier
 * Instructions") performs them for every processor first; Linux does the same before H_IPI. */
void arch_send_ipi(unsigned cpu)
{
	arch_mb();
	ppc64_hcall(H_IPI, cpu_block(cpu)->hwid, XICS_IPI_PRIO, 0, 0, 0, 0);
}

/* H_SIGNAL_SYS_RESET raises a system reset (0x100) on the target, which, unlike an external
 * interrupt, gets through with MSR[EE] off: our NMI. */
void arch_send_stop(unsigned cpu)
{
	WRITE_ONCE(*per_cpu_ptr(&stop_requested, cpu), true);
	arch_mb();
	if (ppc64_hcall(H_SIGNAL_SYS_RESET, cpu_block(cpu)->hwid, 0, 0, 0, 0, 0) != H_SUCCESS)
		arch_send_ipi(cpu);   /* reaches it only if its interrupts are on */
}

void ppc64_system_reset(struct trap_frame *f)
{
	if (READ_ONCE(*this_cpu_ptr(&stop_requested)))
		panic_stop_self(f);
	panic_trap(f, "system reset");
}

void ppc64_external_interrupt(struct trap_frame *f)
{
	for (;;) {
		u64 ret[4];
		if (ppc64_hcall_ret(ret, H_XIRR, 0, 0, 0, 0, 0) != H_SUCCESS)
			return;
		u32 xirr = (u32)ret[0], xisr = xirr & 0xffffff;
		if (xisr == XISR_NONE)
			return;
		if (xisr != XISR_IPI) {
			ppc64_hcall(H_EOI, xirr, 0, 0, 0, 0, 0);
			pr_warn("ppc64: unexpected external interrupt from source %#x\n", xisr);
			continue;
		}
		/* Clear the request, then end the interrupt, before running anything that may
		 * switch threads. The sync orders the clear before the handler's loads of what
		 * senders queued: otherwise a load could be satisfied first, miss a call queued
		 * just then, and the clear would wipe out that call's IPI. */
		ppc64_hcall(H_IPI, ppc64_area()->hwid, XICS_MFRR_NONE, 0, 0, 0, 0);
		arch_mb();
		ppc64_hcall(H_EOI, xirr, 0, 0, 0, 0, 0);
		if (READ_ONCE(*this_cpu_ptr(&stop_requested)))
			panic_stop_self(f);
		ipi_interrupt(f);
		return;
	}
}

/* ---- Secondary CPUs ---- */

/* Per start attempt (struct cpu_start's attempt, which start-cpu passes in r3), written once
 * before start-cpu and never again: a CPU that answers after the boot CPU gave up on it still
 * finds its own stack and start record. */
u64 ppc64_secondary_stacks[MAX_CPUS];       /* head.S: the stack each starts on */
static struct cpu_start *secondary_starts[MAX_CPUS];
extern const u64 ppc64_secondary_real_offset;

int arch_cpu_prepare(struct cpu_start *s)
{
	ppc64_secondary_stacks[s->attempt] = (u64)s->stack_top;
	secondary_starts[s->attempt] = s;
	return 0;
}

int arch_cpu_kick(struct cpu_start *s)
{
	arch_mb();   /* the stack slot and the record before the CPU can run */
	/* start-cpu (PAPR 7.3.8.x): the server number, the real address to start at, r3. */
	u32 entry = (u32)(ppc64_image_phys + ppc64_secondary_real_offset);
	int status = ppc64_rtas_call("start-cpu", 3, 1, NULL, (u32)s->hwid, entry, s->attempt);
	return status == 0 ? 0 : -EIO;
}

/* head.S brings a new CPU here with translation on (the kernel's tree, through process-table
 * entry 0) and the stack of its start attempt. */
__noreturn void ppc64_secondary_boot(unsigned attempt)
{
	struct cpu_start *s = secondary_starts[attempt];
	unsigned cpu = smp_secondary_arrive(s);   /* parks if the boot CPU has given up on us */
	ppc64_cpu_init(cpu, (u32)s->hwid);
	percpu_bind(cpu);
	ppc64_mmu_cpu_init();
	arch_tlb_flush_all_local();
	ppc64_platform_cpu_init();
	secondary_entry(cpu);
}

/* ---- Threads ---- */

extern char ppc64_thread_start[];
#define SWITCH_FRAME 192   /* entry.S */

/* The first arch_context_switch to the returned stack pointer pops a switch frame holding
 * r14 = arg and r15 = entry and "returns" to ppc64_thread_start, which calls entry(arg). The
 * frame above it is a zeroed ELFv2 frame whose LR save word holds that return address. */
void *arch_thread_stack_init(void *stack_top, void (*entry)(void *), void *arg)
{
	u64 *top = (u64 *)(ALIGN_DOWN((uintptr_t)stack_top, 16) - MIN_FRAME);
	memset(top, 0, MIN_FRAME);
	top[2] = (u64)ppc64_thread_start;
	u64 *sw = (u64 *)((char *)top - SWITCH_FRAME);
	memset(sw, 0, SWITCH_FRAME);
	sw[0] = (u64)top;
	sw[4] = (u64)arg;     /* r14 */
	sw[5] = (u64)entry;   /* r15 */
	__asm__("mr %0, 2" : "=r"(sw[23]));   /* r2 */
	return sw;
}
