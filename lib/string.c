/* String helpers the C standard does not have: strlcpy and the integer parser behind boot
 * parameters. The standard functions are in libc_string.c. */
#include "lib/string.h"
#include "kernel/errno.h"

size_t strlcpy(char *dst, const char *src, size_t cap)
{
	size_t n = strlen(src);
	if (cap) {
		size_t c = n < cap - 1 ? n : cap - 1;
		memcpy(dst, src, c);
		dst[c] = 0;
	}
	return n;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'z') return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
	return 99;
}

int parse_s64(const char *s, size_t len, bool allow_suffix, s64 *out)
{
	size_t i = 0;
	bool neg = false;
	unsigned base = 10, shift = 0;
	u64 v = 0, limit;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	if (i + 1 < len && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'))
		base = 16, i += 2;
	else if (i + 1 < len && s[i] == '0' && (s[i + 1] == 'b' || s[i + 1] == 'B'))
		base = 2, i += 2;
	else if (i + 1 < len && s[i] == '0')
		base = 8, i += 1;
	if (allow_suffix && len > i + 1) {
		switch (s[len - 1]) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		}
		if (shift)
			len--;
	}
	if (i >= len)
		return -EINVAL;
	limit = neg ? (u64)1 << 63 : ((u64)1 << 63) - 1;
	for (; i < len; i++) {
		unsigned d = digit_value(s[i]);
		if (d >= base)
			return -EINVAL;
		if (v > (limit - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	if (shift) {
		if (v > (limit >> shift))
			return -ERANGE;
		v <<= shift;
	}
	*out = neg ? (s64)(0 - v) : (s64)v;
	return 0;
}
