/* The first user program and what it is given, from the command line, as Linux takes them:
 * init=PATH names it (default /init, looked up in the initramfs), and every word after a "--"
 * that stands alone is one of its arguments, after argv[0] = PATH. Set once at boot, before any
 * CPU but the boot CPU runs, and read-only after: no locking. */
#ifndef KERNEL_USER_INIT_H
#define KERNEL_USER_INIT_H

#include "kernel/types.h"

#define USER_INIT_DEFAULT  "/init"
/* Arguments after "--" (Linux's CONFIG_INIT_ENV_ARG_LIMIT default): more is a boot error. */
#define USER_INIT_MAX_ARGS 32

/* The program to run first: init=, or USER_INIT_DEFAULT. */
const char *user_init_path(void);
/* Was init= given? (A boot without it runs user space only if the user-mode code decides so.) */
bool user_init_given(void);
/* The NULL-terminated argv for it (argv[0] is user_init_path()); returns argc. */
int user_init_argv(const char *const **argv);
/* Its environment, NULL-terminated: Linux's "HOME=/" and "TERM=linux"; returns the count. */
int user_init_envp(const char *const **envp);

/* kmain: split the words after "--" of cmdline into init's argv. A word may hold blanks inside
 * "double quotes", which are removed. Returns the number of problems, each printed (too many
 * words, an unterminated quote); the boot is refused then, as for a bad parameter. */
int user_init_setup(const char *cmdline);

#endif
