/*
 * test=fault_race: the race each fault strategy exists to get right, aimed at directly. One
 * thread faults (a write) a page while another, on another CPU, munmaps the VMA under it,
 * mprotects it read-only, or mremaps it away; fault_race.rounds times (default 2000; `make
 * torture` runs 10^5), each round with its own small random head start for either side, under
 * whatever strategy mm.fault= chose (the matrix boots it under each).
 *
 * Whatever the interleaving, the outcome must be one of two, as in Linux: the fault completed
 * into the old VMA before the change (it returned 0, and the change then zapped, write-protected
 * or moved its entry) or it came after the change (-EFAULT: nothing there, or read-only). What
 * may never be seen: an entry left at the page after munmap or mremap (no VMA covers it), an
 * entry still writable after mprotect, a fault that completed whose page did not move with
 * mremap, or any other result. Every other mremap round the fault is a read at the destination
 * instead, and the moved data must be there afterwards.
 * Both outcomes must occur, or the rounds did not race at all; the counts are printed.
 */
#include "tests/kernel/ktest_mm.h"
#include "tests/kernel/ktest_util.h"
#include "kernel/errno.h"
#include "kernel/param.h"
#include "lib/printf.h"
#include "kernel/sched/thread.h"
#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/vma.h"

static s64 race_rounds = 2000;
PARAM_INT("fault_race.rounds", race_rounds, 1, 100000000,
	  "rounds of test=fault_race (each: a fault against a munmap, mprotect or mremap)");

#define RW (PROT_READ | PROT_WRITE)
enum { R_MUNMAP, R_MPROTECT, R_MREMAP, R_KINDS };
static const char *const kind_names[R_KINDS] = { "munmap", "mprotect", "mremap" };

struct race {
	struct mm *mm;
	unsigned long rounds;
	volatile unsigned long start;    /* the changer: round r may begin (release) */
	volatile unsigned long done;     /* the faulter: round r's fault is over (release) */
	int ret;                         /* the fault's result in the round just done */
	unsigned long before[R_KINDS], after[R_KINDS], errors;
	char first_error[96];
};

struct race_arg {
	struct race *r;
	unsigned role;   /* 0: the changer, 1: the faulter */
};

static void spin(u64 *rnd, unsigned most)
{
	*rnd = *rnd * 6364136223846793005ull + 1442695040888963407ull;
	for (unsigned i = (unsigned)(*rnd >> 33) % most; i; i--)
		arch_cpu_relax();
}

static void race_error(struct race *r, unsigned long round, const char *what)
{
	if (!r->errors++)
		snprintf(r->first_error, sizeof(r->first_error), "round %lu: %s", round, what);
}

/* Every other mremap round, the fault is a read at the destination of the page written: before
 * the move it finds nothing (-EFAULT), after it the moved page; never a zero page of its own in
 * the middle of the move (which move_ptes would meet, and which would hide the data). */
static bool dest_round(unsigned long n)
{
	return n % R_KINDS == R_MREMAP && (n / R_KINDS) % 2;
}

static void changer(struct race *r, u64 *rnd)
{
	struct mm *mm = r->mm;
	uintptr_t p = MT_A(0), q = MT_A(64);
	for (unsigned long n = 1; n <= r->rounds; n++) {
		unsigned kind = (unsigned)(n % R_KINDS);
		/* Two pages, the second written: the VMA has its anon_vma and its table, so the
		 * fault on the first may go any strategy's fast way. */
		if (vm_mmap(mm, p, 2 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED) != (long)p ||
		    mt_write(p + PG, n)) {
			race_error(r, n, "could not set the round up");
			break;
		}
		smp_store_release(&r->start, n);
		spin(rnd, 400);
		long ret = 0;
		if (kind == R_MUNMAP)
			ret = vm_munmap(mm, p, 2 * PG);
		else if (kind == R_MPROTECT)
			ret = vm_mprotect(mm, p, 2 * PG, PROT_READ);
		else
			ret = vm_mremap(mm, p, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, q) ==
			      (long)q ? 0 : -1;
		if (ret)
			race_error(r, n, "the change itself failed");
		while (smp_load_acquire(&r->done) != n)
			arch_cpu_relax();
		/* Read between rounds (both threads wait): what the tables map at p. */
		bool mapped = mt_phys(mm, p) != 0;
		bool writable = mapped && (mt_pte_prot(mm, p) & MMU_WRITE);
		u64 moved = 0;
		if (kind == R_MREMAP && (mt_read(q + PG, &moved) || moved != n))
			race_error(r, n, "the written page's data did not arrive with mremap");
		/* A write at the source succeeds before the change and fails after; a read at
		 * the destination the other way round. */
		bool first = dest_round(n) ? r->ret == -EFAULT : r->ret == 0;
		if (r->ret == 0 || r->ret == -EFAULT)
			(first ? r->before : r->after)[kind]++;
		else
			race_error(r, n, "the fault returned neither 0 nor -EFAULT");
		if (kind != R_MPROTECT && mapped)
			race_error(r, n, kind == R_MUNMAP ? "an entry is left after munmap" :
				   "an entry is left where mremap moved the VMA from");
		if (kind == R_MPROTECT && writable)
			race_error(r, n, "the entry is still writable after mprotect(PROT_READ)");
		if (kind == R_MREMAP && !dest_round(n) && r->ret == 0 && !mt_phys(mm, q))
			race_error(r, n, "the fault completed but its page did not move with mremap");
		vm_munmap(mm, p, 2 * PG);
		vm_munmap(mm, q, 2 * PG);
		if (r->errors)
			break;
	}
	smp_store_release(&r->start, r->rounds + 1);   /* ends the faulter */
}

static void faulter(struct race *r, u64 *rnd)
{
	for (unsigned long n = 1;; n++) {
		unsigned long s;
		while ((s = smp_load_acquire(&r->start)) < n)
			arch_cpu_relax();
		if (s > r->rounds || s != n)
			break;
		spin(rnd, 400);
		if (dest_round(n))   /* a read of the moved page's destination */
			r->ret = handle_mm_fault(r->mm, MT_A(65), FAULT_READ | FAULT_USER);
		else
			r->ret = handle_mm_fault(r->mm, MT_A(0), FAULT_WRITE | FAULT_USER);
		smp_store_release(&r->done, n);
	}
}

static void race_fn(void *arg)
{
	struct race_arg *a = arg;
	struct race *r = a->r;
	u64 rnd = 0x2545f4914f6cdd1dull * (a->role + 1);
	kthread_use_mm(r->mm);
	if (a->role == 0)
		changer(r, &rnd);
	else
		faulter(r, &rnd);
	kthread_unuse_mm(r->mm);
}

KTEST(fault_race, fault_against_munmap_mprotect_mremap)
{
	if (nr_cpus_online < 2)
		KSKIP(t, "needs two CPUs");
	struct mm *mm = mt_setup(t);
	KASSERT(t, mm);
	static struct race r;
	r = (struct race){ .mm = mm, .rounds = (unsigned long)race_rounds };
	struct race_arg args[2] = { { &r, 0 }, { &r, 1 } };
	KASSERT(t, ktest_run_threads(t, 2, true, race_fn, args, sizeof(args[0])));
	if (r.errors)
		ktest_fail(t, __FILE__, __LINE__, "%lu bad outcomes under mm.fault=%s; first: %s",
			   r.errors, fault_strategy->name, r.first_error);
	unsigned long before = 0, after = 0;
	for (unsigned k = 0; k < R_KINDS; k++) {
		ktest_log(t, "%s (mm.fault=%s): the fault came first %lu times, after %lu",
			   kind_names[k], fault_strategy->name, r.before[k], r.after[k]);
		before += r.before[k];
		after += r.after[k];
	}
	/* Both orders, or the threads never met. (Over all kinds: one kind's split depends on
	 * how the host schedules the two vCPUs, and a test must not fail by the host's luck.) */
	KEXPECT(t, r.errors || race_rounds < 300 || (before && after));
	mt_teardown(t, mm);
}
