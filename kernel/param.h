/* Boot parameters, declared next to the code that uses them, in Linux's subsystem.name=value
 * style:
 *     static s64 seconds = 10;
 *     PARAM_INT("torture.seconds", seconds, 1, 3600, "how long each torture suite runs");
 * The declaration lands in the .kparam section; params_apply() walks it. An unknown name or a
 * malformed value is an error that names the parameter; `help` lists them all with defaults. */
#ifndef KERNEL_PARAM_H
#define KERNEL_PARAM_H

#include "kernel/compiler.h"

enum param_type {
	PARAM_BOOL,     /* bool: 1/0, y/n, yes/no, on/off, true/false; a bare name means true */
	PARAM_INT,      /* s64 within [min, max]; accepts 0x, 0b, 0 prefixes and K/M/G suffixes */
	PARAM_STRING,   /* char[cap]; with choices, one of them */
	PARAM_LIST,     /* char[cap] holding comma-separated non-empty items */
	PARAM_MILLI,    /* s64 in thousandths within [min, max]: a decimal of up to three places,
			 * not negative ("2" is 2000, "0.25" is 250) */
};

struct kparam {
	const char *name;
	enum param_type type;
	void *var;
	s64 min, max;      /* PARAM_INT */
	size_t cap;        /* PARAM_STRING, PARAM_LIST: size of the buffer */
	const char *const *choices;   /* PARAM_STRING: NULL, or the values allowed (NULL-ended) */
	const char *doc;
};

#define __PARAM_C(nm, ty, v, lo, hi, sz, ch, d)                                        \
	static const struct kparam __kparam_##v __used __section(".kparam") __aligned(8) = \
		{ .name = nm, .type = ty, .var = &v, .min = lo, .max = hi, .cap = sz,      \
		  .choices = ch, .doc = d }
#define __PARAM(nm, ty, v, lo, hi, sz, d) __PARAM_C(nm, ty, v, lo, hi, sz, NULL, d)

#define PARAM_BOOL(name, var, doc)        __PARAM(name, PARAM_BOOL, var, 0, 1, 0, doc)
#define PARAM_INT(name, var, lo, hi, doc) __PARAM(name, PARAM_INT, var, lo, hi, 0, doc)
#define PARAM_STRING(name, var, doc)      __PARAM(name, PARAM_STRING, var, 0, 0, sizeof(var), doc)
#define PARAM_LIST(name, var, doc)        __PARAM(name, PARAM_LIST, var, 0, 0, sizeof(var), doc)
/* A duration or other quantity that may be a fraction of its unit (bench.seconds=0.05): var is
 * an s64 of thousandths, lo and hi are in thousandths too. */
#define PARAM_MILLI(name, var, lo, hi, doc) __PARAM(name, PARAM_MILLI, var, lo, hi, 0, doc)
/* A string that must be one of `choices` (a NULL-ended array of strings): anything else is a bad
 * value, reported with the choices, so that a typo stops the boot instead of falling back. */
#define PARAM_CHOICE(name, var, choices, doc) \
	__PARAM_C(name, PARAM_STRING, var, 0, 0, sizeof(var), choices, doc)

/* Apply a command line to the parameters in [first, last), up to a "--" standing alone: what
 * follows it is the init program's arguments (Linux's rule), not parameters. Every problem is
 * printed, naming the parameter; returns the number of problems (0 if all went well). */
int params_apply(const struct kparam *first, const struct kparam *last, const char *cmdline);
/* What follows the "--" that ends the parameters (from its first character after the dashes),
 * or NULL if there is none. */
const char *params_after_dashes(const char *cmdline);

/* The registered parameters, and the boot-time entry points used by kmain. */
int params_apply_boot(const char *cmdline);
void params_print_help(void);
bool params_help_requested(void);
/* At run time (the monitor's `set`): set a parameter from value text (NULL: a bare name) with the
 * checks a boot applies; 0, -ENOENT (no such parameter) or -EINVAL (a bad value: printed, naming
 * it). The caller makes sure that nothing reads the variable meanwhile in a way the change
 * would break. param_get: its value as `help` shows it, or -ENOENT. */
int param_set(const char *name, const char *value);
int param_get(const char *name, char *buf, size_t cap);

/* Iterate over the items of a PARAM_LIST value: copies the next item into item (truncating to
 * cap-1) and advances *cursor; returns false at the end. */
bool param_list_next(const char **cursor, char *item, size_t cap);

#endif
