/* Futexes: user space's sleep-until-this-word-changes, the one primitive its threads library
 * builds locks and joins on (Linux's futex(2), the WAIT and WAKE operations, private and shared).
 * A waiter is keyed by (mm, address): every thread of a process sees one address space, so a
 * shared futex and a private one are the same thing until processes can share pages (fork and
 * shared mappings across processes, later): then a shared key must become the page. */
#ifndef KERNEL_USER_FUTEX_H
#define KERNEL_USER_FUTEX_H

#include "kernel/types.h"

struct mm;

void futex_init(void);   /* boot (user_init) */
/* Sleep if the u32 at uaddr still holds val: 0 when woken, -EAGAIN if it did not hold val,
 * -ETIMEDOUT at deadline_ns (clock_ns(); 0: none), -EINTR if the process exits, -EFAULT, or
 * -EINVAL for a misaligned address. */
int futex_wait(struct mm *mm, uintptr_t uaddr, u32 val, u64 deadline_ns);
/* Wake at most n waiters on uaddr: how many were woken. */
int futex_wake(struct mm *mm, uintptr_t uaddr, int n);

#endif
