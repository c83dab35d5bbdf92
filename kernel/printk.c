/* printk: format, prefix each line with a timestamp, write to the arch console under one lock so
 * lines from different CPUs do not interleave mid-line. Every character written also goes into
 * a fixed ring (printk_ring), for debuggers: gdb's fl-dmesg prints it (tools/gdb/faultline.py). */
#include "kernel/printk.h"
#include "arch/arch.h"
#include "kernel/param.h"
#include "kernel/locking/spinlock.h"
#include "lib/printf.h"

static spinlock_t console_lock = SPINLOCK_INIT;
static bool at_line_start = true;
static bool panicking;

/* The last PRINTK_RING_SIZE characters of console output; printk_ring_pos counts every character
 * ever written, so the oldest kept is at (pos - SIZE) mod SIZE once it has wrapped.
 * Console lock. */
#define PRINTK_RING_SIZE 16384
char printk_ring[PRINTK_RING_SIZE];
unsigned long printk_ring_pos;

static void console_emit(char c)
{
	printk_ring[printk_ring_pos % PRINTK_RING_SIZE] = c;
	printk_ring_pos++;
	arch_console_putc(c);
}

static s64 loglevel = LOG_INFO;
PARAM_INT("loglevel", loglevel, 0, 7,
	  "console messages up to this level: 3 errors, 4 warnings, 6 info, 7 debug");

u64 clock_ns(void)
{
	u64 hz = arch_cycle_freq();
	u64 c = arch_cycles();
	if (!hz)
		return 0;
	/* Split to avoid overflowing c * 1e9. */
	return c / hz * 1000000000ull + c % hz * 1000000000ull / hz;
}

static void console_putc(char c, void *ctx)
{
	bool stamp = ctx != NULL;
	if (at_line_start && stamp) {
		char buf[32];
		u64 ns = clock_ns();
		int n = snprintf(buf, sizeof(buf), "[%5lu.%06lu] ",
				 (unsigned long)(ns / 1000000000),
				 (unsigned long)(ns % 1000000000 / 1000));
		for (int i = 0; i < n; i++)
			console_emit(buf[i]);
	}
	console_emit(c);
	at_line_start = c == '\n';
}

static unsigned long console_lock_take(void)
{
	/* The raw lock: the lock checker prints through here. Interrupts are off, so no
	 * preemption. */
	unsigned long flags = arch_irq_save();
	if (!panicking)
		__spin_lock(&console_lock);
	return flags;
}

static void console_lock_drop(unsigned long flags)
{
	if (!panicking)
		__spin_unlock(&console_lock);
	arch_irq_restore(flags);
}

void vprintk(int level, const char *fmt, va_list ap)
{
	if (level > loglevel)
		return;
	unsigned long flags = console_lock_take();
	vformat(console_putc, (void *)1, fmt, ap);
	console_lock_drop(flags);
}

void printk(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintk(level, fmt, ap);
	va_end(ap);
}

void printk_raw(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	unsigned long flags = console_lock_take();
	vformat(console_putc, NULL, fmt, ap);
	console_lock_drop(flags);
	va_end(ap);
}

void console_write(const char *buf, size_t n)
{
	unsigned long flags = console_lock_take();
	for (size_t i = 0; i < n; i++)
		console_putc(buf[i], NULL);
	console_lock_drop(flags);
}

void printk_panic_mode(void)
{
	panicking = true;
}
