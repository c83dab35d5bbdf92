/* The KTAP test runner. Output, for test=buddy,slab:
 *   KTAP version 1
 *   1..2
 *       KTAP version 1
 *       # Subtest: buddy
 *       1..3
 *       ok 1 alloc_free
 *       ...
 *   ok 1 buddy
 * Cases run one after another on the boot thread; a case that crashes ends the run with a panic,
 * which the host harness reports. */
#include "kernel/ktest.h"
#include "kernel/param.h"
#include "kernel/printk.h"
#include "lib/printf.h"
#include "lib/string.h"

extern const struct ktest_case __ktest_start[], __ktest_end[];

#define MAX_SUITES 128

struct suite_sel {
	const char *suite;
	const char *only_case;   /* NULL: every case of the suite */
	char case_buf[48];
};

static int nr_suites_selected;
static struct suite_sel selected[MAX_SUITES];

void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk_raw("        # %s:%d: %s\n", file, line, msg);
	t->failures++;
}

void ktest_skip(struct ktest *t, const char *reason)
{
	t->skipped = true;
	strlcpy(t->skip_reason, reason, sizeof(t->skip_reason));
}

void ktest_log(struct ktest *t, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	(void)t;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk_raw("        # %s\n", msg);
}

static bool suite_known(const char *name, size_t len, const char **canonical)
{
	for (const struct ktest_case *c = __ktest_start; c < __ktest_end; c++)
		if (strlen(c->suite) == len && !strncmp(c->suite, name, len)) {
			*canonical = c->suite;
			return true;
		}
	return false;
}

static bool case_known(const char *suite, const char *name)
{
	for (const struct ktest_case *c = __ktest_start; c < __ktest_end; c++)
		if (!strcmp(c->suite, suite) && !strcmp(c->name, name))
			return true;
	return false;
}

bool ktest_exists(const char *item)
{
	const char *dot = strchr(item, '.'), *suite;
	size_t slen = dot ? (size_t)(dot - item) : strlen(item);
	return suite_known(item, slen, &suite) && (!dot || case_known(suite, dot + 1));
}

static bool already_selected(const char *suite)
{
	for (int i = 0; i < nr_suites_selected; i++)
		if (selected[i].suite == suite && !selected[i].only_case)
			return true;
	return false;
}

/* Turn the selection into a list of suites in section order; returns the unknown-name count. */
static int select_suites(const char *selection)
{
	const char *cur = selection;
	char item[96];
	int errors = 0;

	nr_suites_selected = 0;
	while (param_list_next(&cur, item, sizeof(item))) {
		if (!strcmp(item, "all")) {
			for (const struct ktest_case *c = __ktest_start; c < __ktest_end; c++)
				if (!(c->flags & KTEST_MANUAL) && !already_selected(c->suite) &&
				    nr_suites_selected < MAX_SUITES)
					selected[nr_suites_selected++] =
						(struct suite_sel){ c->suite, NULL, "" };
			continue;
		}
		char *dot = strchr(item, '.');
		size_t slen = dot ? (size_t)(dot - item) : strlen(item);
		const char *suite;
		if (!suite_known(item, slen, &suite) || (dot && !case_known(suite, dot + 1))) {
			pr_err("test: no test %s named '%s' (boot with test=all, or see "
			       "README.md)\n", dot ? "case" : "suite", item);
			errors++;
			continue;
		}
		if (already_selected(suite) || nr_suites_selected == MAX_SUITES)
			continue;
		struct suite_sel *s = &selected[nr_suites_selected++];
		*s = (struct suite_sel){ suite, NULL, "" };
		if (dot) {
			strlcpy(s->case_buf, dot + 1, sizeof(s->case_buf));
			s->only_case = s->case_buf;
		}
	}
	return errors;
}

static bool suite_has_automatic_cases(const char *suite)
{
	for (const struct ktest_case *c = __ktest_start; c < __ktest_end; c++)
		if (!strcmp(c->suite, suite) && !(c->flags & KTEST_MANUAL))
			return true;
	return false;
}

/* A manual case runs when named as suite.case, or when its suite is named and has nothing but
 * manual cases (test=crash); never through `all` or a suite that also has automatic cases. */
static bool case_selected(const struct suite_sel *s, const struct ktest_case *c)
{
	if (strcmp(c->suite, s->suite))
		return false;
	if (s->only_case)
		return !strcmp(c->name, s->only_case);
	return !(c->flags & KTEST_MANUAL) || !suite_has_automatic_cases(c->suite);
}

void ktest_run(const char *selection, struct ktest_totals *tot)
{
	int unknown = select_suites(selection);

	printk_raw("KTAP version 1\n1..%d\n", nr_suites_selected + (unknown ? 1 : 0));
	for (int i = 0; i < nr_suites_selected; i++) {
		const struct suite_sel *s = &selected[i];
		int n = 0, idx = 0;
		bool suite_ok = true;
		for (const struct ktest_case *c = __ktest_start; c < __ktest_end; c++)
			n += case_selected(s, c);
		printk_raw("    KTAP version 1\n    # Subtest: %s\n    1..%d\n", s->suite, n);
		for (const struct ktest_case *c = __ktest_start; c < __ktest_end; c++) {
			if (!case_selected(s, c))
				continue;
			struct ktest t = { 0 };
			u64 t0 = clock_ns();
			c->fn(&t);
			u64 ms = (clock_ns() - t0) / 1000000;
			idx++;
			if (t.failures) {
				printk_raw("    not ok %d %s # %d failed check(s), %lu ms\n", idx,
					   c->name, t.failures, (unsigned long)ms);
				tot->fail++;
				suite_ok = false;
			} else if (t.skipped) {
				printk_raw("    ok %d %s # SKIP %s\n", idx, c->name, t.skip_reason);
				tot->skip++;
			} else {
				printk_raw("    ok %d %s # %lu ms\n", idx, c->name,
					   (unsigned long)ms);
				tot->pass++;
			}
		}
		printk_raw("%s %d %s\n", suite_ok ? "ok" : "not ok", i + 1, s->suite);
	}
	if (unknown) {
		printk_raw("not ok %d test_selection # %d unknown test name(s) in test=%s\n",
			   nr_suites_selected + 1, unknown, selection);
		tot->fail += unknown;
	}
}

/* For `help`: every suite in the .ktest section, in section order, with its manual cases named
 * (they run only when named). */
void ktest_print_suites(void)
{
	printk_raw("Test suites (test=all runs every case not marked manual; test=suite or "
		   "test=suite.case runs those named):\n");
	for (const struct ktest_case *c = __ktest_start; c < __ktest_end; c++) {
		const struct ktest_case *d = __ktest_start;
		while (strcmp(d->suite, c->suite))
			d++;
		if (d != c)
			continue;   /* listed at its first case */
		unsigned automatic = 0, manual = 0;
		for (d = c; d < __ktest_end; d++)
			if (!strcmp(d->suite, c->suite))
				(d->flags & KTEST_MANUAL) ? manual++ : automatic++;
		if (automatic)
			printk_raw("  %-16s %u case%s%s", c->suite, automatic,
				   automatic == 1 ? "" : "s", manual ? "; manual:" : "");
		else
			printk_raw("  %-16s manual only (test=%s runs them all):", c->suite,
				   c->suite);
		for (d = c; d < __ktest_end && manual; d++)
			if (!strcmp(d->suite, c->suite) && (d->flags & KTEST_MANUAL))
				printk_raw(" %s.%s", d->suite, d->name);
		printk_raw("\n");
	}
}
