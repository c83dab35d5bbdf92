/* The local APIC: this CPU's interrupt controller, timer and IPI sender (Intel SDM vol. 3A,
 * chapters 10-11). x2APIC (MSRs 0x800 + reg/16) where the CPU has it, else the xAPIC page at the
 * address in IA32_APIC_BASE. The timer runs in TSC-deadline mode where available (the deadline is
 * then simply the TSC value), else one-shot mode calibrated against the TSC. The legacy 8259 PICs
 * are masked: every interrupt we use comes from a local APIC. */
#include "arch/x86_64/x86.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "mm/vmap.h"

#define APIC_ID        0x020
#define APIC_EOI       0x0b0
#define APIC_SVR       0x0f0   /* spurious vector; bit 8 enables the APIC */
#define APIC_ICR_LO    0x300
#define APIC_ICR_HI    0x310
#define APIC_LVT_TIMER 0x320
#define APIC_TMR_INIT  0x380
#define APIC_TMR_CUR   0x390
#define APIC_TMR_DIV   0x3e0

#define LVT_MASKED        (1u << 16)
#define LVT_TSC_DEADLINE  (2u << 17)
#define ICR_INIT          (5u << 8)
#define ICR_STARTUP       (6u << 8)
#define ICR_NMI           (4u << 8)
#define ICR_ASSERT        (1u << 14)
#define ICR_PENDING       (1u << 12)   /* xAPIC only */

static bool x2apic, tsc_deadline;
static volatile u32 *xapic;
static u64 lapic_ticks_per_1024_cycles;   /* one-shot mode: timer ticks per 1024 TSC cycles */

static u32 lapic_read(u32 reg)
{
	return x2apic ? (u32)x86_rdmsr(0x800 + (reg >> 4)) : xapic[reg / 4];
}

static void lapic_write(u32 reg, u32 v)
{
	if (x2apic)
		x86_wrmsr(0x800 + (reg >> 4), v);
	else
		xapic[reg / 4] = v;
}

u32 lapic_id(void) { return x2apic ? lapic_read(APIC_ID) : lapic_read(APIC_ID) >> 24; }
void lapic_eoi(void) { lapic_write(APIC_EOI, 0); }
const char *lapic_timer_mode(void) { return tsc_deadline ? "TSC-deadline" : "one-shot"; }

void x86_udelay(u64 us)
{
	u64 end = arch_cycles() + arch_cycle_freq() / 1000000 * us;
	while ((s64)(arch_cycles() - end) < 0)
		arch_cpu_relax();
}

/* The target of an IPI must see this CPU's earlier stores (arch_send_ipi). In x2APIC mode a
 * WRMSR to an APIC register is not serialising and may complete before earlier stores are
 * globally visible; the SDM's remedy is MFENCE; LFENCE before it (vol. 3A, "MSR Access in
 * x2APIC Mode", 11.12.3, 10.12.3 in older editions): MFENCE drains the stores but orders only
 * loads and stores, LFENCE keeps the WRMSR from starting before MFENCE is done. In xAPIC mode
 * the ICR write is a store to uncached memory, which x86 keeps in order after earlier stores. */
static void send_icr(u32 dest, u32 lo)
{
	if (x2apic) {
		__asm__ __volatile__("mfence; lfence" ::: "memory");
		x86_wrmsr(0x800 + (APIC_ICR_LO >> 4), ((u64)dest << 32) | lo);
		return;
	}
	lapic_write(APIC_ICR_HI, dest << 24);
	lapic_write(APIC_ICR_LO, lo);
	while (lapic_read(APIC_ICR_LO) & ICR_PENDING)
		arch_cpu_relax();
}

void lapic_send_init(u32 id) { send_icr(id, ICR_INIT | ICR_ASSERT); }
void lapic_send_sipi(u32 id, u8 page) { send_icr(id, ICR_STARTUP | page); }

void arch_send_ipi(unsigned cpu)
{
	unsigned long f = arch_irq_save();
	send_icr((u32)x86_cpu_hwid(cpu), VEC_IPI | ICR_ASSERT);
	arch_irq_restore(f);
}

void arch_send_stop(unsigned cpu)
{
	unsigned long f = arch_irq_save();
	send_icr((u32)x86_cpu_hwid(cpu), ICR_NMI | ICR_ASSERT);
	arch_irq_restore(f);
}

void arch_timer_arm(u64 deadline)
{
	if (tsc_deadline) {
		x86_wrmsr(MSR_TSC_DEADLINE, deadline ? deadline : 1);
		return;
	}
	u64 now = arch_cycles();
	u64 cycles = (s64)(deadline - now) > 0 ? deadline - now : 1;
	u64 ticks = cycles / 1024 * lapic_ticks_per_1024_cycles +
		    (cycles % 1024) * lapic_ticks_per_1024_cycles / 1024;
	lapic_write(APIC_TMR_INIT, (u32)MIN(MAX(ticks, 1ull), 0xffffffffull));
}

void arch_timer_cancel(void)
{
	if (tsc_deadline)
		x86_wrmsr(MSR_TSC_DEADLINE, 0);
	else
		lapic_write(APIC_TMR_INIT, 0);
}

/* Per CPU: enable the APIC, set the spurious vector, the timer's mode and vector. */
void lapic_init_this_cpu(void)
{
	u64 base = x86_rdmsr(MSR_APIC_BASE);
	base |= 1u << 11;                       /* global enable */
	if (x2apic)
		base |= 1u << 10;
	x86_wrmsr(MSR_APIC_BASE, base);
	lapic_write(APIC_SVR, VEC_SPURIOUS | (1u << 8));
	lapic_write(APIC_TMR_DIV, 0x3);         /* divide by 16 */
	lapic_write(APIC_LVT_TIMER, VEC_TIMER | (tsc_deadline ? LVT_TSC_DEADLINE : 0));
	lapic_eoi();
}

void __init lapic_init_boot(void)
{
	u32 a, b, c, d;
	outb(0x21, 0xff);    /* mask both 8259 PICs */
	outb(0xa1, 0xff);
	x86_cpuid(1, 0, &a, &b, &c, &d);
	x2apic = c & (1u << 21);
	tsc_deadline = c & (1u << 24);
	if (!(d & (1u << 9)))
		panic("x86: this CPU has no local APIC");
	if (!x2apic) {
		xapic = mmio_map(x86_rdmsr(MSR_APIC_BASE) & ~0xfffull, 0x1000);
		if (!xapic)
			panic("x86: cannot map the local APIC");
	}
	lapic_init_this_cpu();
	if (!tsc_deadline) {
		/* Count APIC timer ticks over 10 ms of TSC. */
		lapic_write(APIC_LVT_TIMER, VEC_TIMER | LVT_MASKED);
		lapic_write(APIC_TMR_INIT, 0xffffffff);
		u64 t0 = arch_cycles();
		x86_udelay(10000);
		u64 cycles = arch_cycles() - t0;
		u32 ticks = 0xffffffff - lapic_read(APIC_TMR_CUR);
		lapic_write(APIC_TMR_INIT, 0);
		lapic_write(APIC_LVT_TIMER, VEC_TIMER);
		lapic_ticks_per_1024_cycles = (u64)ticks * 1024 / MAX(cycles, 1ull);
		if (!lapic_ticks_per_1024_cycles)
			lapic_ticks_per_1024_cycles = 1;
	}
	pr_info("x86: local APIC %s, id %u; timer %s\n", x2apic ? "x2APIC" : "xAPIC", lapic_id(),
		lapic_timer_mode());
}
