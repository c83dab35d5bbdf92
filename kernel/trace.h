/* Tracing to the console (trace=, kernel/trace.c): one line per event of the kinds chosen. */
#ifndef KERNEL_TRACE_H
#define KERNEL_TRACE_H

#include "kernel/types.h"

extern bool trace_merge;   /* trace=merge: each VMA merge attempt (mm/vma_merge.c) */
extern bool trace_fault;   /* trace=fault: each page fault's path and result (mm/fault.c) */

/* Check trace= and set the flags: the number of unknown kinds, each reported by name. */
int trace_setup(void);
/* Turn one kind on or off at run time (the monitor's `trace`): 0, or -EINVAL for no such kind. */
int trace_set(const char *kind, bool on);
/* "merge fault": the kinds, for messages. */
extern const char trace_kinds[];

#endif
