/* Futexes: user space's sleep-until-this-word-changes, the one primitive its threads library
 * builds locks and joins on (Linux's futex(2), the WAIT and WAKE operations, private and shared).
 * A waiter is keyed by (mm, address, shared?): as in Linux, a FUTEX_PRIVATE_FLAG waiter is
 * woken only by private wakes and a shared one only by shared ones (the kernel's own wake at a
 * thread's exit, CLONE_CHILD_CLEARTID, is shared). Every thread of a process sees one address
 * space, so (mm, address) names the word until processes can share pages (fork, later): then a
 * shared key must become the page. */
#ifndef KERNEL_USER_FUTEX_H
#define KERNEL_USER_FUTEX_H

#include "kernel/types.h"

struct mm;

void futex_init(void);   /* boot (user_init) */
/* Sleep if the u32 at uaddr still holds val: 0 when woken, -EAGAIN if it did not hold val,
 * -ETIMEDOUT at deadline_ns (clock_ns(); 0: none), -EINTR if the process exits, -EFAULT, or
 * -EINVAL for a misaligned address. */
int futex_wait(struct mm *mm, uintptr_t uaddr, u32 val, u32 bitset, bool shared,
	       u64 deadline_ns);
/* Wake at most n waiters on uaddr whose bitset meets this one: how many were woken. */
int futex_wake(struct mm *mm, uintptr_t uaddr, int n, u32 bitset, bool shared);
/* FUTEX_REQUEUE and FUTEX_CMP_REQUEUE (cmp: only if the word at uaddr still holds val3, else
 * -EAGAIN): wake nr_wake waiters of uaddr and move up to nr_requeue others to wait on uaddr2.
 * How many were woken (plus requeued, for CMP_REQUEUE), as Linux returns. */
int futex_requeue(struct mm *mm, uintptr_t uaddr, int nr_wake, int nr_requeue, uintptr_t uaddr2,
		  bool cmp, u32 val3, bool shared);
#define FUTEX_BITSET_ANY 0xffffffffu

#endif
