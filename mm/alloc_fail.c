/* Allocation-failure injection (see alloc_fail.h). The state belongs to the thread that armed
 * it: only that thread counts down, so other CPUs' allocations neither fail nor move the count. */
#include "mm/alloc_fail.h"
#include "mm/internal.h"
#include "kernel/sched/thread.h"

static struct {
	struct thread *thread;   /* the armed thread, or NULL; read by every allocation */
	long left;               /* allocations that still succeed; that thread only */
	bool fired;
	enum mm_alloc_site site;
} inject;

void mm_fail_nth(long n)
{
	inject.left = n;
	if (n >= 0)
		inject.fired = false;   /* disarming keeps the answer to mm_fail_fired() */
	WRITE_ONCE(inject.thread, n < 0 ? NULL : current_thread());
}

bool mm_should_fail(enum mm_alloc_site site)
{
	if (likely(READ_ONCE(inject.thread) != current_thread()))
		return false;
	if (inject.left-- > 0)
		return false;
	inject.fired = true;
	inject.site = site;
	WRITE_ONCE(inject.thread, NULL);
	return true;
}

bool mm_fail_fired(enum mm_alloc_site *site)
{
	if (inject.fired && site)
		*site = inject.site;
	return inject.fired;
}

const char *mm_alloc_site_name(enum mm_alloc_site site)
{
	static const char *const names[MM_ALLOC_NR_SITES] = {
		"vma", "tree node", "page table", "page", "shared object", "anon_vma",
	};
	return site < MM_ALLOC_NR_SITES ? names[site] : "?";
}
