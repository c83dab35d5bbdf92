/* fault_entry: where every arch sends page faults. There are no user address spaces yet, so
 * every fault is a kernel bug or a probe: report it as unhandled and let the arch try the
 * exception table, then panic with the decoded report. The fault strategies plug in here. */
#include "mm/internal.h"

int fault_entry(const struct fault_info *fi, struct trap_frame *frame)
{
	(void)fi, (void)frame;
	return -EFAULT;
}
