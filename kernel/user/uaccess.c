/* User-memory access (see uaccess.h). */
#include "arch/arch.h"
#ifdef ARCH_HAS_USER_MODE
#include "kernel/user/uaccess.h"
#include "kernel/errno.h"

int copy_from_user(void *dst, uintptr_t usrc, size_t n)
{
	if (!user_range_ok(usrc, n))
		return -EFAULT;
	return arch_copy_user(dst, (const void *)usrc, n) ? -EFAULT : 0;
}

int copy_to_user(uintptr_t udst, const void *src, size_t n)
{
	if (!user_range_ok(udst, n))
		return -EFAULT;
	return arch_copy_user((void *)udst, src, n) ? -EFAULT : 0;
}

/* In pieces that end at page boundaries: a string that ends just below an unmapped page is
 * valid, so no piece may reach past the page its NUL could be on. */
long strncpy_from_user(char *dst, uintptr_t usrc, size_t max)
{
	size_t done = 0;
	while (done < max) {
		uintptr_t a = usrc + done;
		if (a < usrc || a >= USER_VA_END)
			return -EFAULT;
		size_t chunk = PAGE_SIZE - (a & (PAGE_SIZE - 1));
		if (chunk > max - done)
			chunk = max - done;
		if (copy_from_user(dst + done, a, chunk))
			return -EFAULT;
		for (size_t i = 0; i < chunk; i++)
			if (dst[done + i] == '\0')
				return (long)(done + i);
		done += chunk;
	}
	if (max)
		dst[max - 1] = '\0';
	return -ENAMETOOLONG;
}

int get_user_u32(u32 *v, uintptr_t uaddr)
{
	return copy_from_user(v, uaddr, sizeof(*v));
}

int put_user_u32(uintptr_t uaddr, u32 v)
{
	return copy_to_user(uaddr, &v, sizeof(v));
}

#endif /* ARCH_HAS_USER_MODE */
