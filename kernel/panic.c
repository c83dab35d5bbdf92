/* panic: report and power off with a failing status. Only the first panic reports; a panic
 * inside the report (a bad frame pointer, say) halts instead of recursing. */
#include "kernel/panic.h"
#include "arch/arch.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "lib/printf.h"

static int panic_depth;

void backtrace_print(uintptr_t fp, uintptr_t ip)
{
	printk_raw("Backtrace:\n");
	if (ip)
		printk_raw("  [<%016lx>]\n", (unsigned long)ip);
	uintptr_t last = 0;
	unsigned repeats = 0;
	for (int depth = 0; depth < 64; depth++) {
		uintptr_t ret;
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
	vsnprintf_k(msg, sizeof(msg), fmt, ap);
	printk_raw("\nKERNEL PANIC on CPU %u: %s\n", smp_processor_id(), msg);
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
