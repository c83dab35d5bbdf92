/* The printf core: formatting into a buffer or through a per-character callback. Supports
 * %d %i %u %x %X %o %c %s %p %% with flags (- 0 + space #), width, precision (also *), and the
 * length modifiers hh h l ll z t. %p prints 0x and 16 hex digits. No floating point. */
#ifndef LIB_PRINTF_H
#define LIB_PRINTF_H

#include "kernel/compiler.h"

typedef void (*putc_fn)(char c, void *ctx);

/* Format through out(c, ctx); returns the number of characters produced. */
int vformat(putc_fn out, void *ctx, const char *fmt, va_list ap);

/* Like C's: always terminate (if size > 0), return the length the full output would have. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
