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

/* Load the static ELF program at path in the initramfs into p's (empty) address space, as
 * Linux's execve() does: its segments as private anonymous VMAs with their protections and the
 * file's bytes copied in (the bss zero), the heap after the highest segment, an 8 MiB stack at
 * the top with argv, envp and the auxiliary vector; then start p's first thread at its entry.
 * Its tid, or a negative errno: -ENOENT (no such file), -ENOEXEC or -EINVAL (refused: *why says
 * why), -E2BIG (arguments), -ENOMEM. */
int process_exec(struct process *p, const char *path, const char *const *argv,
		 const char *const *envp, const char **why);

#endif
