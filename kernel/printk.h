/* Kernel messages on the console: "[seconds.micros] text". printk() filters by level against
 * the loglevel= parameter; printk_raw() prints as given (for KTAP, dumps and backtraces). */
#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H

#include "kernel/compiler.h"

enum log_level { LOG_ERR = 3, LOG_WARN = 4, LOG_INFO = 6, LOG_DEBUG = 7 };

void printk(int level, const char *fmt, ...) __printf(2, 3);
void vprintk(int level, const char *fmt, va_list ap);
void printk_raw(const char *fmt, ...) __printf(1, 2);
/* n bytes as they are, no timestamps: user programs' output (write to fd 1 and 2). */
void console_write(const char *buf, size_t n);

#define pr_err(...)   printk(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)  printk(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  printk(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) printk(LOG_DEBUG, __VA_ARGS__)

/* Nanoseconds since the cycle counter started (boot), from arch_cycles()/arch_cycle_freq(). */
u64 clock_ns(void);

/* Let a panicking CPU print even if another CPU died holding the console lock. */
void printk_panic_mode(void);

#endif
