/* panic: report and power off with a failing status. Only the first panic reports; a panic
 * inside the report (a bad frame pointer, say) halts instead of recursing. */
#include "kernel/panic.h"
#include "arch/arch.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "lib/printf.h"

static int panic_depth;

/* Inside [lo, hi): fp, and the caller's frame pointer that every arch here keeps in the frame's
 * first word (x86 [rbp], arm64 [x29], ppc64's back chain), with room for the words an unwind
 * step reads beyond it. */
static bool frame_within(uintptr_t fp, uintptr_t lo, uintptr_t hi)
{
	if (fp < lo || fp > hi - 3 * sizeof(uintptr_t))
		return false;
	uintptr_t caller = *(const uintptr_t *)fp;
	return caller == 0 || (caller >= lo && caller <= hi - 3 * sizeof(uintptr_t));
}

static void backtrace_walk(uintptr_t fp, uintptr_t ip, uintptr_t lo, uintptr_t hi, bool bounded)
{
	printk_raw("Backtrace:\n");
	if (ip)
		printk_raw("  [<%016lx>]\n", (unsigned long)ip);
	uintptr_t last = 0;
	unsigned repeats = 0;
	for (int depth = 0; depth < 64; depth++) {
		uintptr_t ret;
		if (bounded && !frame_within(fp, lo, hi))
			break;
		if (!arch_unwind(&fp, &ret))
			break;
		if (ret == last && ++repeats > 2)
			continue;   /* deep recursion: print the first few, then count */
		if (ret != last && repeats > 2)
			printk_raw("  ... %u more frames at the same address\n", repeats - 2);
		if (ret != last)
			repeats = 0;
		last = ret;
		printk_raw("  [<%016lx>]\n", (unsigned long)ret);
	}
	if (repeats > 2)
		printk_raw("  ... %u more frames at the same address\n", repeats - 2);
}

void backtrace_print(uintptr_t fp, uintptr_t ip)
{
	backtrace_walk(fp, ip, 0, 0, false);
}

void backtrace_print_within(uintptr_t fp, uintptr_t ip, uintptr_t lo, uintptr_t hi)
{
	backtrace_walk(fp, ip, lo, hi, true);
}

static void panic_begin(void)
{
	arch_irq_disable();
	if (__atomic_fetch_add(&panic_depth, 1, __ATOMIC_SEQ_CST) > 0)
		arch_halt_forever();
	printk_panic_mode();
}

static void panic_message(const char *fmt, va_list ap)
{
	char msg[256];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	printk_raw("\nKERNEL PANIC on CPU %u: %s\n", raw_smp_processor_id(), msg);
}

__noreturn void panic(const char *fmt, ...)
{
	va_list ap;
	panic_begin();
	va_start(ap, fmt);
	panic_message(fmt, ap);
	va_end(ap);
	backtrace_print(arch_current_fp(), 0);
	smp_stop_others();
	printk_raw("faultline: panic, powering off\n");
	arch_power_off(1);
}

__noreturn void panic_trap(struct trap_frame *f, const char *fmt, ...)
{
	va_list ap;
	panic_begin();
	va_start(ap, fmt);
	panic_message(fmt, ap);
	va_end(ap);
	arch_trap_dump(f);
	backtrace_print(arch_frame_fp(f), arch_frame_ip(f));
	smp_stop_others();
	printk_raw("faultline: panic, powering off\n");
	arch_power_off(1);
}
