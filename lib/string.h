/* String and memory functions: the subset of the C library's <string.h> that the kernel uses
 * (lib/libc_string.c; the same declarations as the C library's, whose functions host programs
 * use), and a few of the kernel's own (lib/string.c). */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include "kernel/types.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

/* Copy at most cap-1 bytes and always terminate; returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t cap);

/* Parse an integer: optional sign, then decimal, 0x hex, 0b binary or 0 octal, with an optional
 * K/M/G suffix (powers of 1024) when allow_suffix. The whole of [s, s+len) must be consumed.
 * Returns 0, -EINVAL (not a number) or -ERANGE (does not fit in s64). */
int parse_s64(const char *s, size_t len, bool allow_suffix, s64 *out);

#endif
