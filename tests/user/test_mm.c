/* The address-space system calls from user space, with Linux's results: the same binary passes
 * on Linux (docs/user.md). Memory is probed without signals: a system call that reads or writes a
 * user buffer returns -EFAULT where the buffer is not accessible, so "readable?" and "writable?"
 * are questions to the kernel (futex WAIT reads a word; clock_gettime writes 16 bytes). */
#include "user.h"

#define PG 4096ul
#define PROT_NONE  0
#define PROT_READ  1
#define PROT_WRITE 2
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED_NOREPLACE 0x100000
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#define MADV_DONTNEED 4
#define EFAULT 14
#define EINVAL 22
#define ENOMEM 12
#define EEXIST 17
#define ETIMEDOUT 110
#define CLOCK_MONOTONIC 1
#define FUTEX_WAIT 0
#define FUTEX_PRIVATE 128

static long anon(ulong addr, ulong len, int prot, int extra)
{
	return syscall6(SYS_mmap, addr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | extra, -1, 0);
}
static long munmap_(ulong a, ulong len) { return syscall3(SYS_munmap, a, len, 0); }
static long mprotect_(ulong a, ulong len, int prot) { return syscall3(SYS_mprotect, a, len, prot); }
static long mremap_(ulong a, ulong old, ulong new_len, int flags, ulong to)
{
	return syscall6(SYS_mremap, a, old, new_len, flags, to, 0);
}

/* futex(WAIT) reads the word at a: -EFAULT if it cannot; otherwise it returns at once, either
 * -EAGAIN (the word is not ~0) or -ETIMEDOUT after a zero timeout. */
static bool readable(ulong a)
{
	static const long zero[2];
	return syscall6(SYS_futex, a & ~3ul, FUTEX_WAIT | FUTEX_PRIVATE, ~0u, zero, 0, 0) != -EFAULT;
}
/* clock_gettime writes 16 bytes at a (which it overwrites). */
static bool writable(ulong a)
{
	return syscall3(SYS_clock_gettime, CLOCK_MONOTONIC, a & ~15ul, 0) == 0;
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	ktap_plan(25);

	long a = anon(0, 4 * PG, PROT_READ | PROT_WRITE, 0);
	ktap_ok(a > 0 && (a & (PG - 1)) == 0, "mmap_anon_page_aligned", "mmap: %ld", a);
	volatile unsigned char *p = (volatile unsigned char *)a;
	bool zero = true;
	for (ulong i = 0; i < 4 * PG; i += 512)
		zero &= p[i] == 0;
	p[5] = 0x5a;
	ktap_ok(zero && p[5] == 0x5a, "anon_zero_filled_and_writable", NULL);

	ktap_ok(anon(0, 0, PROT_READ, 0) == -EINVAL, "mmap_len0_einval", NULL);
	ktap_ok(anon(a + 1, PG, PROT_READ, MAP_FIXED) == -EINVAL, "mmap_fixed_unaligned_einval",
		NULL);
	ktap_ok(anon(a, PG, PROT_READ, MAP_FIXED_NOREPLACE) == -EEXIST,
		"fixed_noreplace_over_mapping_eexist", NULL);
	ktap_ok(syscall6(SYS_mmap, 0, PG, PROT_READ, MAP_ANONYMOUS, -1, 0) == -EINVAL,
		"mmap_neither_private_nor_shared_einval", NULL);
	ktap_ok(anon(0, -PG, PROT_READ, 0) == -ENOMEM, "mmap_len_near_2_64_enomem", NULL);

	/* munmap: a hole is fine, misaligned or empty is not */
	ktap_ok(munmap_(a + 1, PG) == -EINVAL, "munmap_unaligned_einval", NULL);
	ktap_ok(munmap_(a, 0) == -EINVAL, "munmap_len0_einval", NULL);
	ktap_ok(munmap_(a + PG, PG) == 0 && !readable(a + PG) && readable(a) &&
		readable(a + 2 * PG), "munmap_middle_leaves_two", NULL);
	ktap_ok(munmap_(a + PG, PG) == 0, "munmap_of_hole_succeeds", NULL);

	/* mprotect */
	ktap_ok(mprotect_(a, PG, PROT_READ) == 0 && readable(a) && !writable(a) && p[5] == 0x5a,
		"mprotect_read_only_keeps_data", NULL);
	/* Linux pins a shared futex's page for writing: read-only private memory is -EFAULT */
	static const long zero_ts[2];
	ktap_ok(syscall6(SYS_futex, a, FUTEX_WAIT, ~0u, zero_ts, 0, 0) == -EFAULT,
		"shared_futex_on_readonly_private_efault", NULL);
	ktap_ok(mprotect_(a, PG, PROT_NONE) == 0 && !readable(a), "mprotect_none_unreadable",
		NULL);
	ktap_ok(mprotect_(a, PG, PROT_READ | PROT_WRITE) == 0 && p[5] == 0x5a && writable(a),
		"mprotect_back_keeps_page", NULL);
	/* Linux changes what precedes the hole, then fails */
	ktap_ok(mprotect_(a, 3 * PG, PROT_READ) == -ENOMEM && !writable(a),
		"mprotect_over_hole_enomem", NULL);
	mprotect_(a, PG, PROT_READ | PROT_WRITE);
	ktap_ok(mprotect_(a + 1, PG, PROT_READ) == -EINVAL, "mprotect_unaligned_einval", NULL);

	/* mremap: a neighbour blocks growing in place; MAYMOVE moves the contents */
	long b = anon(0, 3 * PG, PROT_READ | PROT_WRITE, 0);
	long c = b + (long)(2 * PG);   /* its own VMA: a neighbour of [b, b + 2 pages) */
	long rc = mprotect_(c, PG, PROT_READ);
	((volatile char *)b)[100] = 7;
	ktap_ok(b > 0 && rc == 0 && mremap_(b, 2 * PG, 3 * PG, 0, 0) == -ENOMEM,
		"mremap_grow_into_neighbour_enomem", "b %lx mprotect %ld", b, rc);
	long m = mremap_(b, 2 * PG, 3 * PG, MREMAP_MAYMOVE, 0);
	ktap_ok(m > 0 && m != b && ((volatile char *)m)[100] == 7 && !readable(b),
		"mremap_maymove_moves_contents", "%lx", m);
	ktap_ok(mremap_(m, 3 * PG, PG, 0, 0) == m && readable(m) && !readable(m + PG),
		"mremap_shrink_in_place", NULL);
	ktap_ok(mremap_(m, PG, PG, MREMAP_FIXED, c) == -EINVAL, "mremap_fixed_without_maymove",
		NULL);

	/* madvise(DONTNEED) zeroes private anonymous memory */
	p[5] = 0x77;
	ktap_ok(syscall3(SYS_madvise, a, PG, MADV_DONTNEED) == 0 && p[5] == 0,
		"madvise_dontneed_zeroes", NULL);

	/* brk */
	long cur = syscall1(SYS_brk, 0);
	long grown = syscall1(SYS_brk, cur + 8 * PG);
	volatile char *h = (volatile char *)((cur + PG - 1) & ~(long)(PG - 1));
	ktap_ok(cur > 0 && grown == cur + (long)(8 * PG) && h[0] == 0 && (h[1] = 1) == 1,
		"brk_grows_zeroed", "cur %lx grown %lx", cur, grown);
	ktap_ok(syscall1(SYS_brk, cur) == cur, "brk_shrinks", NULL);

	/* pointers the kernel must refuse: straddling a mapping's end, in the kernel half */
	ktap_ok(syscall3(SYS_clock_gettime, CLOCK_MONOTONIC, a + PG - 8, 0) == -EFAULT &&
		syscall3(SYS_clock_gettime, CLOCK_MONOTONIC, ~0ul << 47, 0) == -EFAULT,
		"pointer_straddling_or_kernel_efault", NULL);

	ktap_exit();
}
