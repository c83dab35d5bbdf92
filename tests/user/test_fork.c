/* fork, vfork, wait4 and copy-on-write from user space: parent and child each see their own
 * writes to private memory, shared mappings stay shared, what the child unmaps stays in the
 * parent, wait4's statuses and errors, getppid, an orphan that ends on its own, vfork. Same
 * results expected on Linux. */
#include "user.h"

#define ECHILD 10
#define WNOHANG 1
#define SIGCHLD 17
#define SIGSEGV 11
#define CLONE_VM 0x100
#define CLONE_VFORK 0x4000
#define PG 4096ul

static long wait4(long pid, int *status, int options)
{
	return syscall6(SYS_wait4, pid, status, options, 0, 0, 0);
}

static __attribute__((noreturn)) void child_exit(int code)
{
	syscall1(SYS_exit, code);   /* the only thread: its status is the process's */
	__builtin_unreachable();
}

static volatile long global = 1;

static long map(int shared)
{
	return syscall6(SYS_mmap, 0, 4 * PG, 3, (shared ? 0x01 : 0x02) | 0x20, -1, 0);
}

/* Sleep a millisecond: polls below wait for the other side without burning the CPU it needs. */
static void nap(void)
{
	struct { long sec, nsec; } ts = { 0, 1000000 };
	syscall3(SYS_nanosleep, &ts, 0, 0);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	ktap_plan(12);
	long pid, r;
	int st = -1;
	long priv = map(0), shared = map(1);
	volatile long *pv = (volatile long *)priv, *sh = (volatile long *)shared;
	if (priv < 0 || shared < 0) {
		ktap_ok(false, "setup", "mmap: %ld %ld", priv, shared);
		ktap_exit();
	}
	pv[0] = 10;

	/* 1: the child's writes stay in the child; its exit status reaches wait4. */
	pid = sys_fork();
	if (pid == 0) {
		global = 2;
		pv[0] = 20;
		child_exit(global == 2 && pv[0] == 20 ? 7 : 1);
	}
	r = wait4(pid, &st, 0);
	ktap_ok(pid > 0 && r == pid && st == 7 << 8 && global == 1 && pv[0] == 10,
		"child_writes_stay_in_the_child", "fork %ld, wait4 %ld, status 0x%x, global %ld, "
		"page %ld", pid, r, st, global, pv[0]);

	/* 2: the parent's writes after fork stay in the parent: the child reads its word only
	 * after the parent has written (told through the shared page). */
	sh[0] = 0;
	pid = sys_fork();
	if (pid == 0) {
		while (!__atomic_load_n(&sh[0], __ATOMIC_ACQUIRE))
			nap();
		child_exit(pv[0] == 10 && global == 1 ? 0 : 1);
	}
	pv[0] = 11;
	global = 3;
	__atomic_store_n(&sh[0], 1, __ATOMIC_RELEASE);
	r = wait4(pid, &st, 0);
	ktap_ok(r == pid && st == 0, "parent_writes_stay_in_the_parent", "wait4 %ld, status 0x%x",
		r, st);
	global = 1;

	/* 3: a shared mapping is shared both ways. */
	sh[1] = 5;
	pid = sys_fork();
	if (pid == 0) {
		long saw = sh[1];
		sh[1] = 6;
		sh[2] = (long)PG;   /* a page first touched after the fork */
		child_exit(saw == 5 ? 0 : 1);
	}
	r = wait4(pid, &st, 0);
	ktap_ok(r == pid && st == 0 && sh[1] == 6 && sh[2] == (long)PG, "shared_mapping_is_shared",
		"status 0x%x, words %ld %ld", st, sh[1], sh[2]);

	/* 4: what the child unmaps or protects stays in the parent. */
	pid = sys_fork();
	if (pid == 0) {
		long a = syscall3(SYS_munmap, priv, 2 * PG, 0);
		long b = syscall3(SYS_mprotect, priv + 2 * PG, 2 * PG, 0);
		child_exit(a == 0 && b == 0 ? 0 : 1);
	}
	r = wait4(pid, &st, 0);
	pv[PG / 8 * 3] = 12;
	ktap_ok(r == pid && st == 0 && pv[0] == 11 && pv[PG / 8 * 3] == 12,
		"childs_munmap_leaves_the_parent", "status 0x%x, word %ld", st, pv[0]);

	/* 5: a child killed by a fault: the signal in the status's low bits. */
	pid = sys_fork();
	if (pid == 0) {
		syscall3(SYS_mprotect, priv, PG, 1);
		pv[0] = 1;   /* a write to a read-only page: SIGSEGV */
		child_exit(0);
	}
	r = wait4(pid, &st, 0);
	ktap_ok(r == pid && (st & 0x7f) == SIGSEGV && pv[0] == 11, "fault_kills_only_the_child",
		"status 0x%x, word %ld", st, pv[0]);

	/* 6: WNOHANG while the child runs is 0; a specific pid; then no child is -ECHILD. */
	sh[3] = 0;
	pid = sys_fork();
	if (pid == 0) {
		while (!__atomic_load_n(&sh[3], __ATOMIC_ACQUIRE))
			nap();
		syscall1(SYS_exit_group, 3);
	}
	long nohang = wait4(pid, &st, WNOHANG), other = wait4(pid + 1000, &st, 0);
	__atomic_store_n(&sh[3], 1, __ATOMIC_RELEASE);
	r = wait4(-1, &st, 0);
	long none = wait4(-1, &st, 0);
	ktap_ok(nohang == 0 && other == -ECHILD && r == pid && st == 3 << 8 && none == -ECHILD,
		"wait4_nohang_pid_and_echild", "WNOHANG %ld, other pid %ld, wait4 %ld (status 0x%x), "
		"then %ld", nohang, other, r, st, none);

	/* 7: getppid in the child is the parent's pid. */
	long me = sys_getpid();
	pid = sys_fork();
	if (pid == 0)
		child_exit(syscall0(SYS_getppid) == me ? 0 : 1);
	r = wait4(pid, &st, 0);
	ktap_ok(r == pid && st == 0, "getppid_is_the_parent", "status 0x%x", st);

	/* 8: an orphan: the child forks a grandchild and ends at once; the grandchild, left
	 * without a parent, ends later by itself (and says so in the shared page, which this
	 * waits for; the user suite waits for the rest of it before it counts pages). */
	sh[4] = 0;
	pid = sys_fork();
	if (pid == 0) {
		if (sys_fork() == 0) {
			while (syscall0(SYS_getppid) != 0 && syscall0(SYS_getppid) != 1)
				nap();   /* until the parent is gone (Linux: init adopted it) */
			pv[1] = 99;   /* copy-on-write in an orphan */
			__atomic_store_n(&sh[4], pv[1], __ATOMIC_RELEASE);
			child_exit(0);
		}
		child_exit(0);
	}
	r = wait4(pid, &st, 0);
	for (int i = 0; i < 20000 && !__atomic_load_n(&sh[4], __ATOMIC_ACQUIRE); i++)
		nap();
	long gone = sh[4];
	ktap_ok(r == pid && st == 0 && gone == 99 && pv[1] != 99, "orphan_ends_by_itself",
		"status 0x%x, the grandchild said %ld", st, gone);

	/* 9: vfork: the parent goes on only after the child has ended; they share memory. */
	global = 1;
#ifdef SYS_vfork
	pid = syscall0(SYS_vfork);
#else
	pid = syscall6(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0);
#endif
	if (pid == 0) {
		global = 42;   /* the parent's memory: shared until the child ends */
		child_exit(5);
	}
	long saw = global;
	r = wait4(pid, &st, 0);
	ktap_ok(pid > 0 && saw == 42 && r == pid && st == 5 << 8, "vfork_shares_and_waits",
		"vfork %ld, saw %ld, wait4 %ld, status 0x%x", pid, saw, r, st);

	/* 10: many children at once, collected in any order. */
	long kids[6];
	for (int i = 0; i < 6; i++) {
		kids[i] = sys_fork();
		if (kids[i] == 0) {
			pv[2] = i;   /* each its own copy */
			child_exit(pv[2] == i ? 10 + i : 1);
		}
	}
	int found = 0;
	for (int i = 0; i < 6; i++) {
		r = wait4(-1, &st, 0);
		for (int k = 0; k < 6; k++)
			if (r == kids[k] && st == (10 + k) << 8)
				found |= 1 << k;
	}
	ktap_ok(found == 0x3f && wait4(-1, &st, WNOHANG) == -ECHILD, "six_children_collected",
		"found 0x%x", found);

	/* 11: bad arguments: an unknown option; a status pointer the kernel cannot write is
	 * -EFAULT, the child collected all the same. */
	long inval = wait4(-1, &st, 0x4000);
	pid = sys_fork();
	if (pid == 0)
		child_exit(0);
	long fault = wait4(pid, (int *)8, 0), after = wait4(pid, &st, WNOHANG);
	ktap_ok(inval == -22 && fault == -14 && after == -ECHILD, "wait4_bad_arguments",
		"options %ld, bad status %ld, then %ld", inval, fault, after);

	/* 12: a process-shared futex in a MAP_SHARED page: the child's wake reaches the parent's
	 * wait (Linux keys it by the object and offset, not by the address space). The child
	 * wakes until one of its wakes finds the waiter; the parent's wait has a 5 s limit. */
	sh[6] = 0;
	pid = sys_fork();
	if (pid == 0) {
		for (int i = 0; i < 5000; i++) {
			nap();
			if (syscall6(SYS_futex, &sh[6], 1 /* WAKE, shared */, 1, 0, 0, 0) == 1)
				child_exit(0);
		}
		child_exit(1);
	}
	struct { long sec, nsec; } limit = { 5, 0 };
	long waited = syscall6(SYS_futex, &sh[6], 0 /* WAIT, shared */, 0, &limit, 0, 0);
	r = wait4(pid, &st, 0);
	ktap_ok(waited == 0 && r == pid && st == 0, "shared_futex_across_fork",
		"wait %ld, the child's status 0x%x", waited, st);
	ktap_exit();
}
