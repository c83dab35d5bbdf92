/* Built as a static PIE (ET_DYN; the pie_ prefix says so to tests/user/user.mk): it runs
 * wherever it was loaded only if start.c applied its relocations, which a table of pointers
 * needs. It also checks what the kernel put on its stack. */
#include "user.h"

static const char *const words[] = { "relocated", "pointers", "work" };
static const char *const *table = words;   /* a pointer to a pointer: two relocations */

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	ktap_plan(4);
	ktap_ok(!strcmp(table[0], "relocated") && !strcmp(table[2], "work"), "relocations",
		"table %p, words %p", (void *)table, (void *)words);
	ktap_ok(((ulong)&argv[-1] & 15) == 0 && argc >= 1, "stack_aligned", "argc at %p",
		(void *)&argv[-1]);
	ulong entry = getauxval(AT_ENTRY), page = getauxval(AT_PAGESZ);
	ktap_ok(page >= 4096 && (page & (page - 1)) == 0, "auxv_pagesz", "AT_PAGESZ %lu", page);
	const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
	ktap_ok(entry != 0 && rnd != NULL, "auxv_entry_random", "AT_ENTRY 0x%lx AT_RANDOM %p",
		entry, (void *)rnd);
	ktap_exit();
}
