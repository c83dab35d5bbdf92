/* A system-call fuzzer: `sysfuzz SECONDS SEED THREADS`. Each thread makes random address-space
 * system calls (mmap, munmap, mprotect, mremap, madvise, brk) with random and hostile arguments
 * (lengths near 2^64, kernel addresses, misaligned and wrapping ranges, random flags), and hands
 * the kernel random pointers to read and write through (write, clock_gettime, futex), for SECONDS.
 * Addresses it may change are kept inside a window of its own, so that it never unmaps its own
 * code or stack; everything else it passes is refused by the kernel. It never touches memory
 * itself, so nothing it does can kill it: the kernel must answer every call, not panic, and free
 * every page when it exits (the user suite checks). Prints one KTAP line with the counts. */
#include "user.h"

#define CLONE_THREAD_FLAGS (0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000 | 0x100000 | \
			    0x200000)
#define STACK (64 * 1024ul)
#define PG 4096ul
#define WINDOW (64ul << 20)

long user_clone(ulong flags, void *stack, int *ptid, int *ctid, ulong tls, int (*fn)(void *),
		void *arg);

#if defined(__x86_64__)
#define KERNEL_ADDR 0xffffffff80000000ul
#elif defined(__aarch64__)
#define KERNEL_ADDR 0xffff000000000000ul
#else
#define KERNEL_ADDR 0xc000000000000000ul
#endif

static ulong window;
static ulong op_mask = 0xff;   /* argv[4]: which kinds of call to make (bit per case) */
static long deadline_ns;
static long calls[8], errors[8];

struct ts { long sec, nsec; };
static long now_ns(void)
{
	struct ts t;
	syscall3(SYS_clock_gettime, 1, &t, 0);
	return t.sec * 1000000000 + t.nsec;
}

static ulong next(ulong *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* An address: mostly in the window, page-aligned or not; sometimes hostile. */
static ulong addr(ulong *s)
{
	ulong r = next(s);
	switch (r % 16) {
	case 0: return KERNEL_ADDR + (next(s) & 0xffffff);
	case 1: return ~0ul - (next(s) & 0xffff);
	case 2: return next(s) & 0xffff;                 /* near 0 */
	case 3: return window + (next(s) % WINDOW);      /* misaligned */
	default: return window + (next(s) % (WINDOW / PG)) * PG;
	}
}

static ulong len(ulong *s)
{
	ulong r = next(s);
	switch (r % 16) {
	case 0: return 0;
	case 1: return ~0ul - (next(s) & 0xffff);
	case 2: return (1ul << 47) + (next(s) & 0xfff);
	case 3: return next(s) & 0xfff;
	default: return (1 + next(s) % 64) * PG;
	}
}

static int fuzz(void *arg)
{
	ulong s = (ulong)arg | 1;
	while (now_ns() < deadline_ns) {
		for (int i = 0; i < 64; i++) {
			unsigned op = next(&s) % 8;
			ulong a = addr(&s), l = len(&s), r = next(&s);
			if (!(op_mask >> op & 1))
				continue;
			long ret;
			switch (op) {
			case 0: {
				int flags = 0x02 | 0x20;   /* private anonymous */
				if (r & 1)
					flags = 0x01 | 0x20;   /* shared */
				if (r & 2)
					flags |= 0x100000;     /* FIXED_NOREPLACE */
				else if ((r & 4) && a >= window && a < window + WINDOW)
					flags |= 0x10;         /* FIXED, inside the window only */
				if (r & 8)
					flags ^= 1ul << (next(&s) % 32);   /* a random flag */
				if (flags & 0x10 && (a < window || a + l > window + WINDOW ||
						     a + l < a))
					flags &= ~0x10;
				ret = syscall6(SYS_mmap, a, l, (int)(r >> 8) & 7, flags, -1, 0);
				break;
			}
			case 1:
				if (a >= window && a < window + WINDOW && a + l <= window + WINDOW &&
				    a + l >= a)
					ret = syscall3(SYS_munmap, a, l, 0);
				else   /* a range reaching out of the window: only one it must refuse */
					ret = syscall3(SYS_munmap, (r & 1) ? KERNEL_ADDR : a | 1, l, 0);
				break;
			case 2:
				if (a >= window && a + l <= window + WINDOW && a + l >= a)
					ret = syscall3(SYS_mprotect, a, l, (int)(r >> 8) & 7);
				else
					ret = syscall3(SYS_mprotect, KERNEL_ADDR, l, 3);
				break;
			case 3: {
				ulong nl = len(&s);
				int flags = (int)(r >> 8) & 3;   /* MAYMOVE, FIXED */
				ulong to = window + (next(&s) % (WINDOW / PG)) * PG;
				if (a >= window && a + l <= window + WINDOW && a + l >= a &&
				    to + nl <= window + WINDOW && to + nl >= to)
					ret = syscall6(SYS_mremap, a, l, nl, flags, to, 0);
				else
					ret = syscall6(SYS_mremap, KERNEL_ADDR, l, nl, flags, to, 0);
				break;
			}
			case 4:
				if (a >= window && a + l <= window + WINDOW && a + l >= a)
					ret = syscall3(SYS_madvise, a, l, 4);   /* DONTNEED */
				else   /* any advice, at an address it must refuse */
					ret = syscall3(SYS_madvise, (r & 1) ? KERNEL_ADDR : a | 1, l,
						       (int)(r >> 8) & 15);
				break;
			case 5:   /* a 16-byte write through the pointer (never to the
				   * console: random bytes could look like KTAP) */
				ret = syscall3(SYS_clock_gettime, 1, a, 0);
				break;
			case 6: {   /* a read through the pointer (WAIT), or a WAKE */
				static const struct ts zero;
				ret = syscall6(SYS_futex, a, 128 | ((r >> 8) & 1), 0, &zero, 0, 0);
				break;
			}
			default:
				/* brk: moving it is fine (nothing of ours lives in the heap);
				 * the kernel refuses what it must */
				ret = syscall1(SYS_brk, (r & 1) ? a : 0);
				break;
			}
			__atomic_add_fetch(&calls[op], 1, __ATOMIC_RELAXED);
			if (ret < 0 && ret > -4096)
				__atomic_add_fetch(&errors[op], 1, __ATOMIC_RELAXED);
		}
	}
	return 0;
}

static long atol_(const char *s)
{
	long v = 0;
	while (s && *s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	long secs = argc > 1 ? atol_(argv[1]) : 5, seed = argc > 2 ? atol_(argv[2]) : 1;
	long nthreads = argc > 3 ? atol_(argv[3]) : 3;
	if (nthreads < 1 || nthreads > 8)
		nthreads = 3;
	if (argc > 4)
		op_mask = (ulong)atol_(argv[4]);
	ktap_plan(1);
	/* The threads' stacks first, then the window: reserved with PROT_NONE so that nothing else
	 * lands in it (and nothing of ours is ever in it), then fuzzed. */
	long stacks[8];
	for (long i = 1; i < nthreads; i++)
		stacks[i] = syscall6(SYS_mmap, 0, STACK, 3, 0x22, -1, 0);
	long w = syscall6(SYS_mmap, 0, WINDOW, 0, 0x22, -1, 0);
	if (w < 0) {
		ktap_ok(false, "sysfuzz", "no window: %ld", w);
		ktap_exit();
	}
	window = (ulong)w;
	deadline_ns = now_ns() + secs * 1000000000;
	int ctid[8];
	for (long i = 1; i < nthreads; i++) {
		ctid[i] = -1;
		if (stacks[i] < 0 ||
		    user_clone(CLONE_THREAD_FLAGS, (char *)stacks[i] + STACK, &ctid[i], &ctid[i], 0,
			       fuzz, (void *)(seed * 7919 + i)) <= 0)
			ctid[i] = 0;
	}
	fuzz((void *)seed);
	/* The value waited for is the one just read, not a second read: a thread that exits
	 * between two reads would leave a wait for 0 on a word that is 0 and stays so, which no
	 * wake ever ends (this hung the user suite now and then, until the report of a program
	 * that overran showed its one thread in futex_wait). */
	for (long i = 1; i < nthreads; i++)
		for (int v; (v = __atomic_load_n(&ctid[i], __ATOMIC_ACQUIRE)); )
			syscall6(SYS_futex, &ctid[i], 0 /* shared: the exit wake is */, v, 0, 0, 0);
	long total = 0;
	for (int i = 0; i < 8; i++)
		total += calls[i];
	printf("# sysfuzz: %ld calls in %ld s with %ld threads, seed %ld; errors by kind:", total,
	       secs, nthreads, seed);
	for (int i = 0; i < 8; i++)
		printf(" %ld/%ld", errors[i], calls[i]);
	printf("\n");
	ktap_ok(total > 0, "sysfuzz", NULL);
	ktap_exit();
}
