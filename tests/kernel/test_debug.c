/* Manual cases for debugging with gdb (docs/debugging.md, tools/gdb-test); not in test=all.
 *
 * debug.gdb_fixture builds what the gdb helpers look at (a VMA tree of several levels, sleeping
 * threads, pages of several orders in use, a typesafe slab cache with objects in use and in a
 * magazine) and calls debug_fixture_ready(), where tools/gdb-test
 * stops and runs every helper; then it takes it all down and passes.
 * debug.stuck_waiter is a planted bug for students: a thread waits for a completion that the test
 * forgets to signal (it signals another one), so the boot hangs in thread_join(). */
#include "tests/kernel/ktest_util.h"
#include "kernel/printk.h"
#include "kernel/rcu/rcu.h"
#include "kernel/sched/wait.h"
#include "mm/page.h"
#include "mm/slab.h"
#include "mm/vma_tree.h"

#define FIXTURE_VMAS    40   /* with the gaps between them: several leaves, so height 2 */
#define FIXTURE_THREADS 2
#define FIXTURE_OBJS    20   /* fl-slabs: 15 in use, 5 freed into a magazine (of 24 refilled) */
#define FIXTURE_FREED   5

/* Stand-ins for struct vma (the tree never looks inside): each records its own range. */
struct fixture_vma {
	uintptr_t start, end;
};
static struct fixture_vma fixture_vmas[FIXTURE_VMAS];

/* Globals, so that gdb can name them at the breakpoint whatever the optimiser kept. */
struct vma_tree debug_vma_tree;
static struct completion fixture_go;

static void fixture_sleeper(void *arg)
{
	wait_for_completion(&fixture_go);
}

/* tools/gdb-test breaks here: everything the helpers show is in place. */
__noinline void debug_fixture_ready(struct vma_tree *tree)
{
	__asm__ __volatile__("" :: "r"(tree) : "memory");
}

KTEST_FLAGS(debug, gdb_fixture, KTEST_MANUAL)
{
	vma_tree_init(&debug_vma_tree, 0);
	for (unsigned i = 0; i < FIXTURE_VMAS; i++) {
		struct fixture_vma *v = &fixture_vmas[i];
		v->start = 0x10000000 + (uintptr_t)i * 0x10000;
		v->end = v->start + 0x1000 * (1 + i % 4);
		KASSERT_EQ(t, vma_tree_insert(&debug_vma_tree, v->start, v->end, (struct vma *)v),
			   0);
	}
	KEXPECT(t, debug_vma_tree.height >= 2);

	struct page *pages[3];
	for (unsigned o = 0; o < 3; o++)
		pages[o] = alloc_pages(o * 2, 0);

	struct kmem_cache *cache = kmem_cache_create("fixture_typesafe", 40, 8,
						     SLAB_TYPESAFE_BY_RCU);
	KASSERT(t, cache != NULL);
	void *objs[FIXTURE_OBJS];
	preempt_disable();   /* one CPU's magazine */
	for (unsigned i = 0; i < FIXTURE_OBJS; i++)
		objs[i] = kmem_cache_alloc(cache, 0);
	for (unsigned i = 0; i < FIXTURE_FREED; i++)
		kmem_cache_free(cache, objs[i]);
	preempt_enable();

	/* The tree's inserts freed nodes through RCU: let those callbacks run now, so that no CPU
	 * is inside the slab cache when gdb stops the machine and counts it. */
	rcu_barrier();

	completion_init(&fixture_go);
	struct thread *th[FIXTURE_THREADS];
	for (unsigned i = 0; i < FIXTURE_THREADS; i++) {
		th[i] = kthread_create(fixture_sleeper, NULL, i ? "fixture-b" : "fixture-a");
		KASSERT(t, th[i] != NULL);
		thread_start(th[i]);
	}
	/* Let both reach their wait and be switched out, so gdb sees on_cpu=0: a sleeper's state
	 * says T_SLEEPING before its CPU has finished switching away from it (on_cpu drops in
	 * finish_switch, later), and CI once caught fixture-a in between. */
	for (;;) {
		bool out = true;
		for (unsigned i = 0; i < FIXTURE_THREADS; i++)
			out &= READ_ONCE(th[i]->state) == T_SLEEPING &&
			       !smp_load_acquire(&th[i]->on_cpu);
		if (out)
			break;
		yield();
	}
	printk(LOG_INFO, "debug: fixture ready: %lu VMAs, height %u\n",
	       debug_vma_tree.nr_entries, debug_vma_tree.height);

	debug_fixture_ready(&debug_vma_tree);

	complete_all(&fixture_go);
	for (unsigned i = 0; i < FIXTURE_THREADS; i++)
		thread_join(th[i]);
	for (unsigned o = 0; o < 3; o++)
		if (pages[o])
			free_pages(pages[o], o * 2);
	for (unsigned i = FIXTURE_FREED; i < FIXTURE_OBJS; i++)
		kmem_cache_free(cache, objs[i]);
	kmem_cache_destroy(cache);
	vma_tree_destroy(&debug_vma_tree);
}

/* ---- The planted bug (docs/debugging.md) ---- */
static struct completion request_ready, reply_ready;

static void stuck_worker(void *arg)
{
	wait_for_completion(&request_ready);
	printk(LOG_INFO, "debug: worker got the request\n");
	complete(&reply_ready);
}

KTEST_FLAGS(debug, stuck_waiter, KTEST_MANUAL)
{
	completion_init(&request_ready);
	completion_init(&reply_ready);
	struct thread *w = kthread_create(stuck_worker, NULL, "stuck-worker");
	KASSERT(t, w != NULL);
	thread_start(w);
	printk(LOG_INFO, "debug: sending the request\n");
	complete(&reply_ready);   /* BUG: should be &request_ready */
	thread_join(w);           /* never returns: the worker still waits */
}
