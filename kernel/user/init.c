/* init= and the words after "--" (init.h). Written by user_init_setup() on the boot CPU before
 * anything reads them; read-only after. */
#include "kernel/user/init.h"
#include "boot/boot_info.h"
#include "kernel/param.h"
#include "kernel/printk.h"
#include "lib/string.h"

static char init_path[256];
PARAM_STRING("init", init_path,
	     "the first user program, a path in the initramfs (default /init); the words after "
	     "' -- ' are its arguments");

static char words[BOOT_CMDLINE_MAX];   /* the words after "--", each NUL-terminated */
static const char *init_argv[USER_INIT_MAX_ARGS + 2];
static int init_argc;
static const char *const init_envp[] = { "HOME=/", "TERM=linux", NULL };

const char *user_init_path(void) { return init_path[0] ? init_path : USER_INIT_DEFAULT; }
bool user_init_given(void) { return init_path[0] != 0; }

int user_init_argv(const char *const **argv)
{
	init_argv[0] = user_init_path();
	if (init_argc == 0)
		init_argc = 1;
	*argv = init_argv;
	return init_argc;
}

int user_init_envp(const char *const **envp)
{
	*envp = init_envp;
	return (int)(sizeof(init_envp) / sizeof(init_envp[0])) - 1;
}

static bool blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

int user_init_setup(const char *cmdline)
{
	const char *s = params_after_dashes(cmdline);
	char *w = words;
	int problems = 0;

	memset(init_argv, 0, sizeof(init_argv));
	init_argc = 1;   /* argv[0], the path, is filled in when asked for: init= may change */
	if (!s)
		return 0;
	if (strnlen(s, sizeof(words)) == sizeof(words)) {
		pr_err("init: the arguments after '--' are longer than a command line\n");
		return 1;
	}
	for (;;) {
		while (blank(*s))
			s++;
		if (!*s)
			break;
		if (init_argc == USER_INIT_MAX_ARGS + 1) {
			pr_err("init: more than %d arguments after '--'\n", USER_INIT_MAX_ARGS);
			problems++;
			break;
		}
		init_argv[init_argc++] = w;
		bool quoted = false;
		for (; *s && (quoted || !blank(*s)); s++) {
			if (*s == '"')
				quoted = !quoted;
			else
				*w++ = *s;   /* each word's NUL takes a blank's place: it fits */
		}
		*w++ = 0;
		if (quoted) {
			pr_err("init: unterminated quote in the arguments after '--'\n");
			problems++;
			break;
		}
	}
	return problems;
}
