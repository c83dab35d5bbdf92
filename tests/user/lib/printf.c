/* A small printf: enough for KTAP lines and diagnostics, one write(2) per call. */
#include "user.h"

struct out {
	char *buf;
	size_t cap, len;   /* len counts every character, stored or not */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->cap)
		o->buf[o->len] = c;
	o->len++;
}

static void put_num(struct out *o, unsigned long long v, unsigned base, bool upper, bool neg,
		    int width, char pad, bool left)
{
	char tmp[24];
	int n = 0;
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	int len = n + neg;
	if (neg && pad == '0')
		put(o, '-');
	for (; !left && width > len; width--)
		put(o, pad);
	if (neg && pad != '0')
		put(o, '-');
	while (n)
		put(o, tmp[--n]);
	for (; left && width > len; width--)
		put(o, ' ');
}

int vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
	struct out o = { buf, cap, 0 };
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		f++;
		bool left = false;
		char pad = ' ';
		for (; *f == '-' || *f == '0'; f++) {
			if (*f == '-')
				left = true;
			else
				pad = '0';
		}
		int width = 0;
		for (; *f >= '0' && *f <= '9'; f++)
			width = width * 10 + (*f - '0');
		int longs = 0;
		for (; *f == 'l'; f++)
			longs++;
		if (left)
			pad = ' ';
		unsigned long long u;
		long long s;
		switch (*f) {
		case 'd':
		case 'i':
			s = longs ? va_arg(ap, long) : va_arg(ap, int);
			put_num(&o, s < 0 ? -(unsigned long long)s : (unsigned long long)s, 10, false,
				s < 0, width, pad, left);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			u = longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
			put_num(&o, u, *f == 'u' ? 10 : *f == 'o' ? 8 : 16, *f == 'X', false, width,
				pad, left);
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (unsigned long)va_arg(ap, void *), 16, false, false, width, pad,
				left);
			break;
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			int n = (int)strlen(str);
			for (; !left && width > n; width--)
				put(&o, ' ');
			while (*str)
				put(&o, *str++);
			for (; left && width > n; width--)
				put(&o, ' ');
			break;
		}
		case '%':
			put(&o, '%');
			break;
		default:   /* unknown: print it as written */
			put(&o, '%');
			if (*f)
				put(&o, *f);
			else
				f--;
			break;
		}
	}
	if (cap)
		buf[o.len < cap ? o.len : cap - 1] = 0;
	return (int)o.len;
}

int snprintf(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	return n;
}

int printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sys_write(1, buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}
