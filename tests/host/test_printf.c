/* lib/printf.c against the C library, on every conversion the kernel uses. The kernel's snprintf
 * takes the place of the C library's in host programs (tests/host/host.mk), so the reference is
 * the C library's sprintf, whose result fits the buffer for every format here. */
#include "tests/host/host.h"
#include "lib/printf.h"

#define CMP(...)                                                                        \
	do {                                                                            \
		char want[256], got[256];                                               \
		int wn = sprintf(want, __VA_ARGS__);                                    \
		int gn = snprintf(got, sizeof(got), __VA_ARGS__);                       \
		host_checks++;                                                          \
		if (wn != gn || strcmp(want, got)) {                                    \
			host_failures++;                                                \
			fprintf(stderr, "%s:%d: %s: want \"%s\" (%d), got \"%s\" (%d)\n", \
				__FILE__, __LINE__, #__VA_ARGS__, want, wn, got, gn);    \
		}                                                                       \
	} while (0)

int main(void)
{
	CMP("plain text");
	CMP("%d %i %u", 0, -1, 4000000000u);
	CMP("%d", -2147483647 - 1);
	CMP("%ld %lu", -9223372036854775807l - 1, 18446744073709551615ul);
	CMP("%lld %llx", -5ll, 0xdeadbeefcafeull);
	CMP("%zu %zd", (size_t)12345, (ssize_t)-3);
	CMP("%x %X %o", 0xabcdefu, 0xabcdefu, 0755u);
	CMP("%#x %#X %#o %#x", 0x1fu, 0x1fu, 8u, 0u);
	CMP("[%5d] [%-5d] [%05d] [%+d] [% d]", 42, 42, 42, 42, 42);
	CMP("[%05d] [%-5d] [%+05d]", -42, -42, 42);
	CMP("[%.3d] [%8.3d] [%-8.3d] [%.0d]", 7, 7, 7, 0);
	CMP("[%#010lx] [%#lx]", 0xbeeful, 0ul);
	CMP("[%s] [%10s] [%-10s] [%.2s] [%*s] [%-*s]", "abc", "abc", "abc", "abc", 6, "x", 6, "y");
	CMP("[%c] [%3c] [%-3c]", 'a', 'b', 'c');
	CMP("%hhu %hd %hhx", 300, 70000, 511);
	CMP("100%%");
	CMP("%.*d|%*d", 4, 5, -4, 9);

	/* %p is always 0x plus 16 hex digits here (glibc differs), so check it by hand. */
	char buf[64];
	snprintf(buf, sizeof(buf), "%p", (void *)0x1234);
	CHECK(!strcmp(buf, "0x0000000000001234"));
	char *volatile null_str = NULL;
	snprintf(buf, sizeof(buf), "%s", null_str);
	CHECK(!strcmp(buf, "(null)"));
	/* Truncation: always terminated, returns the full length. */
	CHECK_EQ(snprintf(buf, 5, "%s", "abcdefgh"), 8);
	CHECK(!strcmp(buf, "abcd"));
	CHECK_EQ(snprintf(NULL, 0, "%d", 12345), 5);
	/* An unknown conversion is printed as written. */
	const char *volatile odd = "%q%d";
	snprintf(buf, sizeof(buf), odd, 3);
	CHECK(!strcmp(buf, "%q3"));
	return host_test_done("printf");
}
