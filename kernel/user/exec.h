/* Putting a program into a process (kernel/user/exec.c). */
#ifndef KERNEL_USER_EXEC_H
#define KERNEL_USER_EXEC_H

#include "kernel/types.h"

struct process;

#define USER_STACK_SIZE (8ul << 20)   /* Linux's default RLIMIT_STACK */

/* Map len bytes of machine code at addr (read and execute, page-aligned addr), a stack, and
 * start p's first thread there. For hand-made tests of the entry paths; programs come from
 * ELF files (exec). Its tid, or a negative errno. */
int process_start_code(struct process *p, uintptr_t addr, const void *code, size_t len);

#endif
