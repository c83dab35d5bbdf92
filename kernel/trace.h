/* Tracing to the console (trace=, kernel/trace.c): one line per event of the kinds chosen. */
#ifndef KERNEL_TRACE_H
#define KERNEL_TRACE_H

#include "kernel/types.h"

extern bool trace_merge;   /* trace=merge: each VMA merge attempt (mm/vma_merge.c) */

/* Check trace= and set the flags: the number of unknown kinds, each reported by name. */
int trace_setup(void);

#endif
