/* The exception table: pairs {address of an instruction allowed to fault, where to continue}.
 * Entries come from the __ex_table section (arch probes, later user-copy routines). */
#include "arch/arch.h"

struct extable_entry {
	uintptr_t insn, fixup;
};

extern const struct extable_entry __ex_table_start[], __ex_table_end[];

bool extable_fixup(struct trap_frame *frame)
{
	uintptr_t ip = arch_frame_ip(frame);
	for (const struct extable_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->insn == ip) {
			arch_frame_set_ip(frame, e->fixup);
			return true;
		}
	}
	return false;
}
