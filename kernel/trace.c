/* trace=KIND,...: console lines for the events of each kind chosen, for students watching the mm
 * work and for debugging. Kinds: merge (mm/vma_merge.c: every merge attempt, its caller, range
 * and outcome). */
#include "kernel/trace.h"
#include "kernel/param.h"
#include "kernel/printk.h"
#include "lib/string.h"

bool trace_merge;

static char trace_sel[64];
PARAM_LIST("trace", trace_sel, "console tracing, comma-separated: merge (each VMA merge attempt: "
	   "caller, range, merged or why refused)");

int trace_setup(void)
{
	static const struct { const char *name; bool *flag; } kinds[] = {
		{ "merge", &trace_merge },
	};
	const char *cur = trace_sel;
	char item[32];
	int bad = 0;
	while (param_list_next(&cur, item, sizeof(item))) {
		unsigned i;
		for (i = 0; i < ARRAY_SIZE(kinds); i++)
			if (!strcmp(item, kinds[i].name))
				break;
		if (i == ARRAY_SIZE(kinds)) {
			pr_err("trace=%s: no such trace (merge)\n", item);
			bad++;
			continue;
		}
		*kinds[i].flag = true;
	}
	return bad;
}
