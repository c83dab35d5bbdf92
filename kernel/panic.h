/* Stopping the machine when something is wrong: a message, the registers if there is a trap
 * frame, a frame-pointer backtrace, then power-off with a failing status. */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include "kernel/compiler.h"

struct trap_frame;

__noreturn __cold void panic(const char *fmt, ...) __printf(1, 2);
__noreturn __cold void panic_trap(struct trap_frame *f, const char *fmt, ...) __printf(2, 3);
#define panic_early(...) panic(__VA_ARGS__)

/* Print "Backtrace:" and one "  [<address>]" line per frame, starting with ip (if non-zero) and
 * then following the frame-pointer chain from fp. tools/qemu-run turns addresses into names. */
void backtrace_print(uintptr_t fp, uintptr_t ip);
/* The same for another thread's stack [lo, hi), which may change under the reader (the thread
 * may start running): only frames that lie wholly inside it are followed. */
void backtrace_print_within(uintptr_t fp, uintptr_t ip, uintptr_t lo, uintptr_t hi);

#define BUG_ON(cond)                                                                  \
	do {                                                                          \
		if (unlikely(cond))                                                   \
			panic("BUG_ON(%s) failed at %s:%d", #cond, __FILE__, __LINE__); \
	} while (0)
#define BUG() panic("BUG at %s:%d", __FILE__, __LINE__)
#define assert(cond)                                                                  \
	do {                                                                          \
		if (unlikely(!(cond)))                                                \
			panic("assertion '%s' failed at %s:%d", #cond, __FILE__, __LINE__); \
	} while (0)

/* mm/vmap.c: " (... guard page ...)" if addr is in a kernel stack's guard page, else "". */
const char *kstack_guard_hint(uintptr_t addr);

#endif
