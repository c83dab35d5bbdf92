/* Touching user memory from the kernel. Every access to a user address a system call was given
 * goes through these: the range is checked against the user half first (a kernel address is
 * refused before anything is read or written), then the arch's copy runs with user access
 * allowed (SMAP, PAN) and a fault it cannot handle ends it through the exception table. So a bad
 * pointer is -EFAULT, never a panic. They may sleep (a fault takes mmap_lock, allocates): call
 * them with interrupts and preemption on. User addresses are uintptr_t, never pointers, so that
 * the compiler refuses a plain dereference. */
#ifndef KERNEL_USER_UACCESS_H
#define KERNEL_USER_UACCESS_H

#include "arch/arch.h"

/* Is [addr, addr + n) inside the user half, without wrapping? */
static inline bool user_range_ok(uintptr_t addr, size_t n)
{
	return addr <= USER_VA_END && n <= USER_VA_END - addr;
}

/* 0, or -EFAULT if any byte could not be copied (the bytes before it may have been). */
int copy_from_user(void *dst, uintptr_t usrc, size_t n);
int copy_to_user(uintptr_t udst, const void *src, size_t n);
/* Copy a NUL-terminated string of at most max - 1 characters and its NUL into dst[max]: its
 * length, -EFAULT, or -ENAMETOOLONG if no NUL came within max bytes. */
long strncpy_from_user(char *dst, uintptr_t usrc, size_t max);
/* Single values, for system-call arguments that point at one. */
int get_user_u32(u32 *v, uintptr_t uaddr);
int put_user_u32(uintptr_t uaddr, u32 v);

#endif
