/* The printf core. One function, vformat(), does all the formatting through a callback; the
 * buffer and console variants are thin wrappers. Integers are converted right to left into a
 * small local buffer, then padded as the flags say. */
#include "lib/printf.h"
#include "lib/string.h"

struct spec {
	bool left, zero, plus, space, alt;
	int width, prec;   /* prec < 0: none given */
};

static int emit_padding(putc_fn out, void *ctx, char c, int n)
{
	for (int i = 0; i < n; i++)
		out(c, ctx);
	return n > 0 ? n : 0;
}

static int emit_string(putc_fn out, void *ctx, const char *s, const struct spec *sp)
{
	if (!s)
		s = "(null)";
	int len = (int)strnlen(s, sp->prec >= 0 ? (size_t)sp->prec : (size_t)-1);
	int n = 0;
	if (!sp->left)
		n += emit_padding(out, ctx, ' ', sp->width - len);
	for (int i = 0; i < len; i++)
		out(s[i], ctx);
	n += len;
	if (sp->left)
		n += emit_padding(out, ctx, ' ', sp->width - len);
	return n;
}

static int emit_number(putc_fn out, void *ctx, u64 v, bool neg, unsigned base, bool upper,
		       const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int len = 0;
	char sign = neg ? '-' : sp->plus ? '+' : sp->space ? ' ' : 0;
	const char *prefix = "";

	if (sp->alt && v != 0)
		prefix = base == 16 ? (upper ? "0X" : "0x") : base == 8 ? "0" : "";
	if (!(sp->prec == 0 && v == 0)) {
		do {
			tmp[len++] = digits[v % base];
			v /= base;
		} while (v);
	}
	int zeros = sp->prec > len ? sp->prec - len : 0;
	int body = len + zeros + (sign ? 1 : 0) + (int)strlen(prefix);
	int n = 0;
	if (sp->zero && !sp->left && sp->prec < 0)
		zeros += sp->width > body ? sp->width - body : 0, body = MAX(body, sp->width);
	if (!sp->left)
		n += emit_padding(out, ctx, ' ', sp->width - body);
	if (sign)
		out(sign, ctx);
	for (const char *p = prefix; *p; p++)
		out(*p, ctx);
	n += emit_padding(out, ctx, '0', zeros);
	while (len)
		out(tmp[--len], ctx);
	n += body - zeros;
	if (sp->left)
		n += emit_padding(out, ctx, ' ', sp->width - body);
	return n;
}

int vformat(putc_fn out, void *ctx, const char *fmt, va_list ap)
{
	int n = 0;

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			out(*fmt, ctx);
			n++;
			continue;
		}
		struct spec sp = { .prec = -1 };
		for (;; fmt++) {
			char f = fmt[1];
			if (f == '-') sp.left = true;
			else if (f == '0') sp.zero = true;
			else if (f == '+') sp.plus = true;
			else if (f == ' ') sp.space = true;
			else if (f == '#') sp.alt = true;
			else break;
		}
		fmt++;
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0)
				sp.left = true, sp.width = -sp.width;
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				sp.width = sp.width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			sp.prec = 0;
			if (*fmt == '*') {
				sp.prec = va_arg(ap, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					sp.prec = sp.prec * 10 + (*fmt++ - '0');
			}
		}
		int lng = 0;   /* -2 hh, -1 h, 0 int, 1 long, 2 long long, 3 size_t/ptrdiff */
		for (;; fmt++) {
			if (*fmt == 'l') lng = lng == 1 ? 2 : 1;
			else if (*fmt == 'h') lng = lng == -1 ? -2 : -1;
			else if (*fmt == 'z' || *fmt == 't') lng = 3;
			else break;
		}
		switch (*fmt) {
		case 'd':
		case 'i': {
			s64 v = lng == 2 ? va_arg(ap, long long) :
				lng == 1 || lng == 3 ? va_arg(ap, long) : va_arg(ap, int);
			if (lng == -1) v = (short)v;
			if (lng == -2) v = (signed char)v;
			n += emit_number(out, ctx, v < 0 ? 0 - (u64)v : (u64)v, v < 0, 10, false,
					 &sp);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			u64 v = lng == 2 ? va_arg(ap, unsigned long long) :
				lng == 1 || lng == 3 ? va_arg(ap, unsigned long) :
				va_arg(ap, unsigned);
			if (lng == -1) v = (unsigned short)v;
			if (lng == -2) v = (unsigned char)v;
			unsigned base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
			n += emit_number(out, ctx, v, false, base, *fmt == 'X', &sp);
			break;
		}
		case 'p': {
			struct spec ps = { .alt = false, .zero = true, .width = 16, .prec = -1 };
			out('0', ctx);
			out('x', ctx);
			n += 2 + emit_number(out, ctx, (u64)(uintptr_t)va_arg(ap, void *), false,
					     16, false, &ps);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			if (!sp.left) n += emit_padding(out, ctx, ' ', sp.width - 1);
			out(c, ctx);
			n++;
			if (sp.left) n += emit_padding(out, ctx, ' ', sp.width - 1);
			break;
		}
		case 's':
			n += emit_string(out, ctx, va_arg(ap, const char *), &sp);
			break;
		case '%':
			out('%', ctx);
			n++;
			break;
		case 0:
			return n;   /* a lone % at the end */
		default:
			/* Unknown conversion: print it as written, so the mistake is visible. */
			out('%', ctx);
			out(*fmt, ctx);
			n += 2;
			break;
		}
	}
	return n;
}

struct buf_ctx {
	char *buf;
	size_t size, pos;
};

static void buf_putc(char c, void *ctx)
{
	struct buf_ctx *b = ctx;
	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf_ctx b = { buf, size, 0 };
	int n = vformat(buf_putc, &b, fmt, ap);
	if (size)
		buf[b.pos < size ? b.pos : size - 1] = 0;
	return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
