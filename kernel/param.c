/* The boot-parameter registry: parse the command line, set typed variables, report problems by
 * name. Runs once at boot on the boot CPU, before anything reads the variables; the monitor's
 * `set` (param_set) changes a few of them later, those its allow-list names. */
#include "kernel/param.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "lib/printf.h"
#include "lib/string.h"

extern const struct kparam __kparam_start[], __kparam_end[];

#define DEFAULT_TEXT 48
#define MAX_PARAMS 256
static char param_defaults[MAX_PARAMS][DEFAULT_TEXT];

static bool help;
PARAM_BOOL("help", help, "list every boot parameter with its default, then power off");

static const struct kparam *find_param(const struct kparam *first, const struct kparam *last,
				       const char *name, size_t len)
{
	for (const struct kparam *p = first; p < last; p++)
		if (strlen(p->name) == len && !strncmp(p->name, name, len))
			return p;
	return NULL;
}

static bool word_is(const char *v, size_t len, const char *w)
{
	return strlen(w) == len && !strncmp(v, w, len);
}

static void strlcat_simple(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(dst);
	if (n + 1 < cap)
		strlcpy(dst + n, src, cap - n);
}

static int parse_bool(const char *v, size_t len, bool *out)
{
	static const char *const yes[] = { "1", "y", "yes", "on", "true" };
	static const char *const no[] = { "0", "n", "no", "off", "false" };
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (word_is(v, len, yes[i])) { *out = true; return 0; }
		if (word_is(v, len, no[i]))  { *out = false; return 0; }
	}
	return -EINVAL;
}

/* A decimal of up to three places, not negative, in thousandths: "2" is 2000, "0.25" is 250. */
static int parse_milli(const char *v, size_t len, s64 *out)
{
	u64 x = 0;
	unsigned places = 0;
	bool point = false, digits = false;
	for (size_t i = 0; i < len; i++) {
		if (v[i] == '.' && !point) {
			point = true;
			continue;
		}
		if (v[i] < '0' || v[i] > '9' || (point && ++places > 3))
			return -EINVAL;
		if (x > 1000000000000000ull)
			return -ERANGE;   /* 10^15: thousandths of it still fit an s64 */
		x = x * 10 + (unsigned)(v[i] - '0');
		digits = true;
	}
	if (!digits || (point && !places))
		return -EINVAL;
	for (; places < 3; places++)
		x *= 10;
	*out = (s64)x;
	return 0;
}

/* Thousandths as the shortest decimal that reads back the same: 2000 "2", 250 "0.25". */
static void format_milli(char *buf, size_t cap, s64 x)
{
	unsigned long frac = (unsigned long)(x % 1000);
	unsigned digits = 3;
	for (; digits && frac % 10 == 0; digits--)
		frac /= 10;
	if (digits)
		snprintf(buf, cap, "%ld.%0*lu", (long)(x / 1000), (int)digits, frac);
	else
		snprintf(buf, cap, "%ld", (long)(x / 1000));
}

/* Is v one of p's choices? If not, say which they are. */
static bool is_choice(const struct kparam *p, const char *v, size_t len)
{
	char list[128] = "";
	for (const char *const *c = p->choices; *c; c++) {
		if (word_is(v, len, *c))
			return true;
		strlcat_simple(list, sizeof(list), c == p->choices ? "" : ", ");
		strlcat_simple(list, sizeof(list), *c);
	}
	pr_err("param: bad value '%.*s' for '%s': expected one of %s\n", (int)len, v, p->name,
	       list);
	return false;
}

/* Set one parameter from its value text; on error print why, naming it. */
static int set_param(const struct kparam *p, const char *v, size_t len, bool has_value)
{
	switch (p->type) {
	case PARAM_BOOL: {
		bool b = true;
		if (has_value && parse_bool(v, len, &b)) {
			pr_err("param: bad value '%.*s' for '%s': expected 1/0, y/n, yes/no, "
			       "on/off or true/false\n", (int)len, v, p->name);
			return -EINVAL;
		}
		*(bool *)p->var = b;
		return 0;
	}
	case PARAM_INT: {
		s64 x;
		int err = has_value ? parse_s64(v, len, true, &x) : -EINVAL;
		if (err || x < p->min || x > p->max) {
			pr_err("param: bad value '%.*s' for '%s': expected an integer in "
			       "%ld..%ld\n", (int)len, has_value ? v : "", p->name, (long)p->min,
			       (long)p->max);
			return -EINVAL;
		}
		*(s64 *)p->var = x;
		return 0;
	}
	case PARAM_MILLI: {
		s64 x;
		int err = has_value ? parse_milli(v, len, &x) : -EINVAL;
		if (err || x < p->min || x > p->max) {
			char lo[24], hi[24];
			format_milli(lo, sizeof(lo), p->min);
			format_milli(hi, sizeof(hi), p->max);
			pr_err("param: bad value '%.*s' for '%s': expected a number in %s..%s, "
			       "with up to three decimal places\n", (int)len, has_value ? v : "",
			       p->name, lo, hi);
			return -EINVAL;
		}
		*(s64 *)p->var = x;
		return 0;
	}
	case PARAM_STRING:
	case PARAM_LIST:
		if (!has_value || len == 0 || len >= p->cap) {
			pr_err("param: bad value for '%s': expected %s of 1..%zu characters\n",
			       p->name,
			       p->type == PARAM_LIST ? "a comma-separated list" : "a string",
			       p->cap - 1);
			return -EINVAL;
		}
		if (p->type == PARAM_LIST) {
			bool empty = v[0] == ',' || v[len - 1] == ',';
			for (size_t i = 1; i < len; i++)
				empty |= v[i] == ',' && v[i - 1] == ',';
			if (empty) {
				pr_err("param: bad value '%.*s' for '%s': empty list item\n",
				       (int)len, v, p->name);
				return -EINVAL;
			}
		}
		if (p->choices && !is_choice(p, v, len))
			return -EINVAL;
		memcpy(p->var, v, len);
		((char *)p->var)[len] = 0;
		return 0;
	}
	return -EINVAL;
}

/* One token of a command line, name[=value], the value possibly "double quoted" to hold spaces.
 * Returns where the token ends, or NULL when only blanks are left; *unterminated for a quote
 * that never closes (the token then runs to the end of the line). */
struct token {
	const char *name, *val;   /* val NULL: a bare name */
	size_t nlen, vlen;
	bool unterminated;
};

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

static const char *next_token(const char *s, struct token *t)
{
	while (is_blank(*s))
		s++;
	if (!*s)
		return NULL;
	*t = (struct token){ .name = s };
	while (*s && *s != '=' && !is_blank(*s))
		s++;
	t->nlen = (size_t)(s - t->name);
	if (*s != '=')
		return s;
	s++;
	if (*s == '"') {
		t->val = ++s;
		while (*s && *s != '"')
			s++;
		t->vlen = (size_t)(s - t->val);
		if (*s == '"')
			s++;
		else
			t->unterminated = true;
	} else {
		t->val = s;
		while (*s && !is_blank(*s))
			s++;
		t->vlen = (size_t)(s - t->val);
	}
	return s;
}

/* "--" alone ends the kernel's parameters: what follows is init's (as in Linux). */
static bool is_dashes(const struct token *t)
{
	return t->nlen == 2 && !t->val && !strncmp(t->name, "--", 2);
}

int params_apply(const struct kparam *first, const struct kparam *last, const char *cmdline)
{
	const char *s = cmdline;
	struct token t;
	int errors = 0;

	while ((s = next_token(s, &t)) && !is_dashes(&t)) {
		if (t.unterminated) {
			pr_err("param: unterminated quote in the value of '%.*s'\n", (int)t.nlen,
			       t.name);
			errors++;
			continue;
		}
		const struct kparam *p = find_param(first, last, t.name, t.nlen);
		if (!p) {
			pr_err("param: unknown boot parameter '%.*s' (boot with 'help' to list "
			       "them)\n", (int)t.nlen, t.name);
			errors++;
			continue;
		}
		if (set_param(p, t.val, t.vlen, t.val != NULL))
			errors++;
	}
	return errors;
}

const char *params_after_dashes(const char *cmdline)
{
	const char *s = cmdline;
	struct token t;
	while ((s = next_token(s, &t)))
		if (is_dashes(&t))
			return s;
	return NULL;
}

static void format_value(const struct kparam *p, char *buf, size_t cap)
{
	switch (p->type) {
	case PARAM_BOOL:
		snprintf(buf, cap, "%s", *(bool *)p->var ? "1" : "0");
		break;
	case PARAM_INT:
		snprintf(buf, cap, "%ld", (long)*(s64 *)p->var);
		break;
	case PARAM_MILLI:
		format_milli(buf, cap, *(s64 *)p->var);
		break;
	default:
		snprintf(buf, cap, "\"%s\"", (const char *)p->var);
		break;
	}
}

int __init params_apply_boot(const char *cmdline)
{
	for (const struct kparam *p = __kparam_start; p < __kparam_end; p++)
		if (p - __kparam_start < MAX_PARAMS)
			format_value(p, param_defaults[p - __kparam_start], DEFAULT_TEXT);
	int errors = params_apply(__kparam_start, __kparam_end, cmdline);
	if (help)
		params_print_help();
	return errors;
}

bool params_help_requested(void) { return help; }

int param_set(const char *name, const char *value)
{
	const struct kparam *p = find_param(__kparam_start, __kparam_end, name, strlen(name));
	if (!p)
		return -ENOENT;
	return set_param(p, value, value ? strlen(value) : 0, value != NULL);
}

int param_get(const char *name, char *buf, size_t cap)
{
	const struct kparam *p = find_param(__kparam_start, __kparam_end, name, strlen(name));
	if (!p)
		return -ENOENT;
	format_value(p, buf, cap);
	return 0;
}

void params_print_help(void)
{
	static const char *const type_names[] = { "bool", "int", "string", "list", "decimal" };
	printk_raw("Boot parameters (name=value; defaults in brackets):\n");
	for (const struct kparam *p = __kparam_start; p < __kparam_end; p++) {
		char range[48] = "";
		if (p->type == PARAM_INT)
			snprintf(range, sizeof(range), " %ld..%ld", (long)p->min, (long)p->max);
		if (p->type == PARAM_MILLI) {
			char lo[20], hi[20];
			format_milli(lo, sizeof(lo), p->min);
			format_milli(hi, sizeof(hi), p->max);
			snprintf(range, sizeof(range), " %s..%s", lo, hi);
		}
		long i = p - __kparam_start;
		printk_raw("  %-24s %s%s [%s]\n      %s\n", p->name, type_names[p->type], range,
			   i < MAX_PARAMS ? param_defaults[i] : "?", p->doc);
	}
}

bool param_list_next(const char **cursor, char *item, size_t cap)
{
	const char *s = *cursor;
	if (!s || !*s)
		return false;
	const char *e = strchr(s, ',');
	size_t len = e ? (size_t)(e - s) : strlen(s);
	size_t c = len < cap - 1 ? len : cap - 1;
	memcpy(item, s, c);
	item[c] = 0;
	*cursor = e ? e + 1 : s + len;
	return true;
}
