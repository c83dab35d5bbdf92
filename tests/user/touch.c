/* touch [PAGES [SECONDS [ADDR]]]: a process to look at from the monitor (docs/lab.md). It maps
 * PAGES (default 8) private anonymous pages (at ADDR, a hex hint, if it is free: the monitor's
 * test session uses one address on every arch), writes the first half (each gets a page of its own) and
 * reads the second half (each maps the shared zero page), says where, then sleeps SECONDS
 * (default 30) so that `vmas` and `walk` can see it, unmaps and exits 0. The same program runs
 * on Linux. */
#include "user.h"

static long hex(const char *s)
{
	long n = 0;
	if (s[0] == '0' && s[1] == 'x')
		s += 2;
	for (; *s; s++) {
		int d = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 : -1;
		if (d < 0 || n >> 44)
			return -1;
		n = n * 16 + d;
	}
	return n;
}

static long number(const char *s, long fallback)
{
	long n = 0;
	if (!s || !*s)
		return fallback;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || n > 100000000)
			return -1;
		n = n * 10 + (*s - '0');
	}
	return n;
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	long pages = number(argc > 1 ? argv[1] : NULL, 8);
	long secs = number(argc > 2 ? argv[2] : NULL, 30);
	long hint = argc > 3 ? hex(argv[3]) : 0;
	if (pages < 1 || pages > 65536 || secs < 0 || secs > 86400 || hint < 0) {
		printf("touch: usage: touch [PAGES (1..65536) [SECONDS (0..86400) [ADDR (hex)]]]\n");
		return 2;
	}
	const long page = 4096;
	long p = syscall6(SYS_mmap, hint, pages * page, 3 /* PROT_READ|PROT_WRITE */,
			  0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, -1, 0);
	if (p < 0 && p > -4096) {
		printf("touch: mmap failed: %ld\n", p);
		return 1;
	}
	volatile char *mem = (volatile char *)p;
	long half = (pages + 1) / 2, sum = 0;
	for (long i = 0; i < half; i++)
		mem[i * page] = (char)(i + 1);
	for (long i = half; i < pages; i++)
		sum += mem[i * page];
	printf("touch: pid %ld: %ld pages at 0x%lx: %ld written, %ld read (zero page)%s; "
	       "sleeping %ld s\n", sys_getpid(), pages, (ulong)p, half, pages - half,
	       sum ? " READ NONZERO" : "", secs);
	struct { long sec, nsec; } ts = { secs, 0 };
	syscall3(SYS_nanosleep, &ts, 0, 0);
	syscall3(SYS_munmap, p, pages * page, 0);
	return sum != 0;
}
