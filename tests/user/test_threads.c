/* Threads from user space: clone(2) with the flags a threads library passes, futex WAIT and WAKE,
 * the child-tid word a join waits on, thread ids, sleeping, and threads ending while others fault.
 * Same results expected on Linux. */
#include "user.h"

#define CLONE_THREAD_FLAGS (0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000 | 0x100000 | \
			    0x200000)   /* VM FS FILES SIGHAND THREAD SYSVSEM PARENT_SETTID \
					 * CHILD_CLEARTID */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_PRIVATE 128
#define EAGAIN 11
#define ETIMEDOUT 110
#define CLOCK_MONOTONIC 1
#define STACK (64 * 1024ul)

long user_clone(ulong flags, void *stack, int *ptid, int *ctid, ulong tls, int (*fn)(void *),
		void *arg);

struct ts { long sec, nsec; };

static long now_ns(void)
{
	struct ts t;
	syscall3(SYS_clock_gettime, CLOCK_MONOTONIC, &t, 0);
	return t.sec * 1000000000 + t.nsec;
}

static long futex(int *addr, int op, int val, const struct ts *timeout)
{
	return syscall6(SYS_futex, addr, op | FUTEX_PRIVATE, val, timeout, 0, 0);
}

struct thread {
	int ctid;   /* the kernel writes the tid here before the child runs (PARENT_SETTID), and
		     * clears it and wakes us when the thread is gone (CHILD_CLEARTID) */
	long tid;
	void *stack;
	int (*fn)(void *);
	void *arg;
};

static bool spawn(struct thread *t, int (*fn)(void *), void *arg)
{
	long s = syscall6(SYS_mmap, 0, STACK, 3, 0x22, -1, 0);
	if (s < 0)
		return false;
	t->stack = (void *)s;
	t->ctid = -1;
	t->tid = user_clone(CLONE_THREAD_FLAGS, (char *)s + STACK, &t->ctid, &t->ctid, 0, fn, arg);
	return t->tid > 0;
}

/* Wait until the kernel has cleared ctid (CLONE_CHILD_CLEARTID), as pthread_join does: with a
 * shared futex wait, because the kernel's wake at the thread's exit is a shared one (a private
 * waiter would sleep through it, on Linux as here). */
static void join(struct thread *t)
{
	for (;;) {
		int v = __atomic_load_n(&t->ctid, __ATOMIC_ACQUIRE);
		if (v == 0)
			break;
		syscall6(SYS_futex, &t->ctid, FUTEX_WAIT, v, 0, 0, 0);
	}
	syscall3(SYS_munmap, t->stack, STACK, 0);
}

static long counter;

static int adder(void *arg)
{
	(void)arg;
	for (int i = 0; i < 10000; i++)
		__atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
	return 0;
}

static int tid_seen[8];
static int tid_reporter(void *arg)
{
	long i = (long)arg;
	tid_seen[i] = (int)syscall0(SYS_gettid);
	return 0;
}

/* Ping-pong: two threads pass a token through a futex word 2000 times. */
static int token;
static int pinger(void *arg)
{
	int me = (int)(long)arg;
	for (int round = 0; round < 1000; round++) {
		while (__atomic_load_n(&token, __ATOMIC_ACQUIRE) != me)
			futex(&token, FUTEX_WAIT, 1 - me, NULL);
		__atomic_store_n(&token, 1 - me, __ATOMIC_RELEASE);
		futex(&token, FUTEX_WAKE, 1, NULL);
	}
	return 0;
}

/* Faulters: touch fresh pages of their own region until told to stop. */
static int stop_faulting;
static int faulter(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop_faulting, __ATOMIC_ACQUIRE)) {
		long r = syscall6(SYS_mmap, 0, 64 * 4096, 3, 0x22, -1, 0);
		if (r < 0)
			return 1;
		for (int i = 0; i < 64; i++)
			((volatile char *)r)[i * 4096] = 1;
		syscall3(SYS_munmap, r, 64 * 4096, 0);
	}
	return 0;
}
static int short_lived(void *arg)
{
	(void)arg;
	volatile char buf[4096];
	buf[0] = 1;
	return buf[0] - 1;
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	ktap_plan(8);

	struct thread t[8];
	bool ok = true;
	for (int i = 0; i < 4; i++)
		ok &= spawn(&t[i], adder, NULL);
	for (int i = 0; i < 4; i++)
		join(&t[i]);
	ktap_ok(ok && counter == 40000, "four_threads_add", "counter %ld", counter);

	ok = true;
	long pid = syscall0(SYS_getpid);
	for (long i = 0; i < 4; i++)
		ok &= spawn(&t[i], tid_reporter, (void *)i);
	for (int i = 0; i < 4; i++)
		join(&t[i]);
	for (int i = 0; i < 4; i++) {
		ok &= tid_seen[i] == t[i].tid && tid_seen[i] != pid;
		for (int j = 0; j < i; j++)
			ok &= tid_seen[i] != tid_seen[j];
	}
	ktap_ok(ok, "tids_distinct_and_reported", "pid %ld tid0 %d/%ld", pid, tid_seen[0],
		t[0].tid);
	ktap_ok(syscall0(SYS_gettid) == pid, "main_thread_tid_is_pid", NULL);

	int word = 5;
	ktap_ok(futex(&word, FUTEX_WAIT, 6, NULL) == -EAGAIN, "futex_wait_value_changed_eagain",
		NULL);
	struct ts ten_ms = { 0, 10000000 };
	long t0 = now_ns();
	long r = futex(&word, FUTEX_WAIT, 5, &ten_ms);
	long took = now_ns() - t0;
	ktap_ok(r == -ETIMEDOUT && took >= 10000000, "futex_wait_times_out", "r %ld took %ld ns",
		r, took);

	t0 = now_ns();
	struct ts five_ms = { 0, 5000000 };
	r = syscall3(SYS_nanosleep, &five_ms, 0, 0);
	took = now_ns() - t0;
	ktap_ok(r == 0 && took >= 5000000, "nanosleep_sleeps", "r %ld took %ld ns", r, took);

	ok = spawn(&t[0], pinger, (void *)0) && spawn(&t[1], pinger, (void *)1);
	join(&t[0]);
	join(&t[1]);
	ktap_ok(ok, "futex_ping_pong_2000", NULL);

	/* Threads come and go while three others fault pages in and out. */
	ok = true;
	for (int i = 0; i < 3; i++)
		ok &= spawn(&t[i], faulter, NULL);
	for (int round = 0; round < 50 && ok; round++) {
		ok &= spawn(&t[3], short_lived, NULL);
		join(&t[3]);
	}
	__atomic_store_n(&stop_faulting, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 3; i++)
		join(&t[i]);
	ktap_ok(ok, "threads_exit_while_others_fault", NULL);

	ktap_exit();
}
