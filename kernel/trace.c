/* trace=KIND,...: console lines for the events of each kind chosen, for students watching the mm
 * work and for debugging. Kinds: merge (mm/vma_merge.c: every merge attempt, its caller, range
 * and outcome), fault (mm/fault.c: every page fault that reaches handle_mm_fault, with the path
 * its strategy took, its aborts and retries, and its result). The monitor's `trace KIND on|off`
 * changes them at run time: plain flags, read without ordering, since a trace line more or less
 * around the switch does not matter. */
#include "kernel/trace.h"
#include "kernel/errno.h"
#include "kernel/param.h"
#include "kernel/printk.h"
#include "lib/string.h"

bool trace_merge, trace_fault;
const char trace_kinds[] = "merge fault";

static const struct { const char *name; bool *flag; } kinds[] = {
	{ "merge", &trace_merge },
	{ "fault", &trace_fault },
};

int trace_set(const char *kind, bool on)
{
	for (unsigned i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(kind, kinds[i].name)) {
			WRITE_ONCE(*kinds[i].flag, on);
			return 0;
		}
	return -EINVAL;
}

static char trace_sel[64];
PARAM_LIST("trace", trace_sel, "console tracing, comma-separated: merge (each VMA merge attempt: "
	   "caller, range, merged or why refused), fault (each page fault: CPU, process, address, "
	   "access, the strategy's path, aborts, retries, result)");

int trace_setup(void)
{
	const char *cur = trace_sel;
	char item[32];
	int bad = 0;
	while (param_list_next(&cur, item, sizeof(item))) {
		unsigned i;
		for (i = 0; i < ARRAY_SIZE(kinds); i++)
			if (!strcmp(item, kinds[i].name))
				break;
		if (i == ARRAY_SIZE(kinds)) {
			pr_err("trace=%s: no such trace (%s)\n", item, trace_kinds);
			bad++;
			continue;
		}
		*kinds[i].flag = true;
	}
	return bad;
}
