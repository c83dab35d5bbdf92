/* The user programs of tests/user/, run from the initramfs as processes (suite "user", in
 * test=all on every arch with user mode): each program's KTAP is nested in the case that ran it
 * (its lines indented by the process's out_indent), and the case checks its exit status, how it
 * died if it had to, and that it left no page behind. The semantic programs (test_mm,
 * test_threads) pass on Linux too; the attacks must each end in a clean kill or an error with
 * the kernel running on; the system-call fuzzer runs a few seconds from three threads
 * (make test) or as long as asked (user.fuzz_seconds). */
#include "arch/arch.h"
#ifdef ARCH_HAS_USER_MODE
#include "kernel/ktest.h"
#include "kernel/locking/lockcheck.h"
#include "kernel/param.h"
#include "kernel/sched/timer.h"
#include "kernel/user/exec.h"
#include "kernel/user/initramfs.h"
#include "kernel/user/process.h"
#include "lib/cpio.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "tests/kernel/ktest_mm.h"

#define NO_INITRAMFS "no initramfs (tools/qemu-run passes build/<arch>/initramfs.cpio; make all)"
#define NS_PER_S 1000000000ull

static s64 fuzz_seconds = 2;
static s64 fuzz_ops = 255;
PARAM_INT("user.fuzz_ops", fuzz_ops, 1, 255,
	  "which kinds of call the fuzzer makes: a bit each for mmap, munmap, mprotect, mremap, "
	  "madvise, clock_gettime, futex, brk");
PARAM_INT("user.fuzz_seconds", fuzz_seconds, 1, 86400,
	  "seconds the user suite's system-call fuzzer (/bin/sysfuzz) runs");

struct run {
	int code;            /* exit status; -1 if it did not end in time */
	bool killed;
	const char *reason;  /* user_fatal_trap's `what`, if killed */
};

static bool run_prog(struct ktest *t, const char *const *argv, u64 timeout_s, struct run *r)
{
	static const char *const envp[] = { "HOME=/", "TERM=linux", NULL };
	const char *name = argv[0];
	for (const char *c = argv[0]; *c; c++)
		if (*c == '/')
			name = c + 1;
	struct process *p = process_create(name);
	r->code = -1;
	r->killed = false;
	r->reason = NULL;
	if (!KEXPECT(t, p != NULL))
		return false;
	p->out_indent = 8;   /* under this suite's case lines (4) */
	const char *why;
	int tid = process_exec(p, argv[0], argv, envp, &why);
	if (tid < 0) {
		ktest_fail(t, __FILE__, __LINE__, "exec %s: %d (%s)", argv[0], tid, why);
		process_put(p);
		return false;
	}
	bool ended = process_wait(p, timeout_s * NS_PER_S, &r->code);
	if (!ended) {
		ktest_fail(t, __FILE__, __LINE__, "%s did not end within %lu s: killing it", argv[0],
			   (unsigned long)timeout_s);
		/* What each thread is doing, twice a second apart: counts that move are a loop,
		 * counts that stay are a sleep (or a CPU that never gets it back). */
		process_report(p);
		sleep_ns(NS_PER_S);
		process_report(p);
		process_exit_group(p, 137, true);
		process_wait(p, 60 * NS_PER_S, &r->code);
		r->code = -1;
	}
	r->killed = p->killed;
	r->reason = p->kill_reason;
	process_put(p);
	/* Orphans it left (fork) end on their own: wait for them too (up to 10 s), so that the
	 * counts after the run see everything the program started gone. */
	for (unsigned ms = 0; ended && uthreads_in_use() && ms < 10000; ms++)
		sleep_ns(1000000);
	return ended;
}

/* Run argv twice and count pages around the second run: the first grows what stays grown
 * (slab pages of a size class, kernel page tables of stack slots for the most threads yet). A
 * leak costs pages at every run. */
static void expect_prog(struct ktest *t, const char *const *argv, u64 timeout_s, int want_code,
			const char *want_kill)
{
	struct cpio_entry e;
	const void *data;
	size_t size;
	if (!initramfs_get(&data, &size, NULL))
		KSKIP(t, NO_INITRAMFS);
	if (initramfs_find(argv[0], &e))
		KSKIP(t, "not in this arch's initramfs");
	struct run r;
	unsigned long lock_reports = lockcheck_reports;
	if (!run_prog(t, argv, timeout_s, &r))
		return;
	struct mt_counts before, after;
	mt_counts(NULL, &before);
	if (!run_prog(t, argv, timeout_s, &r))
		return;
	mt_counts(NULL, &after);
	KEXPECT_EQ(t, r.code, want_code);
	KEXPECT_EQ(t, r.killed, want_kill != NULL);
	if (want_kill && !KEXPECT(t, r.reason && !strcmp(r.reason, want_kill)))
		ktest_log(t, "killed for '%s', expected '%s'", r.reason ? r.reason : "(none)",
			  want_kill);
	MT_COUNTS_EQ(t, &before, &after);
	/* whatever the program did, the lock checker found nothing wrong in the kernel */
	KEXPECT_EQ(t, lockcheck_reports, lock_reports);
}

#define PROG(t, code, kill, timeout, ...) \
	expect_prog(t, (const char *const[]){ __VA_ARGS__, NULL }, timeout, code, kill)

KTEST(user, hello)           { PROG(t, 0, NULL, 30, "/bin/hello"); }
KTEST(user, fork)            { PROG(t, 0, NULL, 60, "/bin/test_fork"); }
KTEST(user, pie_hello)       { PROG(t, 0, NULL, 30, "/bin/pie_hello", "one", "two"); }
KTEST(user, musl_hello)      { PROG(t, 0, NULL, 30, "/bin/musl_hello"); }
KTEST(user, musl_threads)    { PROG(t, 0, NULL, 120, "/bin/musl_threads"); }
KTEST(user, mm_semantics)    { PROG(t, 0, NULL, 60, "/bin/test_mm"); }
KTEST(user, threads)         { PROG(t, 0, NULL, 120, "/bin/test_threads"); }
KTEST(user, exit_group_ends_all_threads) { PROG(t, 7, NULL, 60, "/bin/test_exitgroup"); }

/* 128 + SIGSEGV: how a shell reports the kill */
KTEST(user, attack_read_kernel)   { PROG(t, 139, "read", 30, "/bin/attack", "read_kernel"); }
KTEST(user, attack_write_kernel)  { PROG(t, 139, "write", 30, "/bin/attack", "write_kernel"); }
KTEST(user, attack_jump_kernel)   { PROG(t, 139, "exec", 30, "/bin/attack", "jump_kernel"); }
KTEST(user, attack_null_read)     { PROG(t, 139, "read", 30, "/bin/attack", "null_read"); }
KTEST(user, attack_exec_noexec)   { PROG(t, 139, "exec", 30, "/bin/attack", "exec_noexec"); }
KTEST(user, attack_write_readonly) { PROG(t, 139, "write", 30, "/bin/attack", "write_readonly"); }
KTEST(user, attack_syscall_pointers) { PROG(t, 0, NULL, 30, "/bin/attack", "syscall_pointers"); }
KTEST(user, attack_huge_lengths)  { PROG(t, 0, NULL, 30, "/bin/attack", "huge_lengths"); }
KTEST(user, attack_thread_bomb)   { PROG(t, 0, NULL, 120, "/bin/attack", "thread_bomb"); }

KTEST(user, syscall_fuzzer)
{
	char secs[24], ops[8];
	snprintf(secs, sizeof(secs), "%ld", (long)fuzz_seconds);
	snprintf(ops, sizeof(ops), "%ld", (long)fuzz_ops);
	PROG(t, 0, NULL, (u64)fuzz_seconds * 3 + 60, "/bin/sysfuzz", secs, "1", "3", ops);
}

#endif /* ARCH_HAS_USER_MODE */
