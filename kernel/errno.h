/* Error numbers: Linux's values, so that a later syscall layer returns what Linux returns.
 * Kernel functions return 0 or a negative errno. */
#ifndef KERNEL_ERRNO_H
#define KERNEL_ERRNO_H

#define EPERM    1
#define ENOENT   2
#define ESRCH    3
#define EINTR    4
#define EIO      5
#define ENOEXEC  8
#define EBADF    9
#define ECHILD  10
#define E2BIG    7
#define ENOEXEC  8
#define EAGAIN  11
#define ENOMEM  12
#define EACCES  13
#define EFAULT  14
#define EBUSY   16
#define EEXIST  17
#define ENODEV  19
#define EINVAL  22
#define ENOSPC  28
#define ERANGE  34
#define ENAMETOOLONG 36
#define ENOSYS  38
#define ENOTSUP 95
#define ETIMEDOUT 110

const char *errno_name(int err);   /* "ENOMEM" for -ENOMEM or ENOMEM; "E?" if unknown */

#endif
