/* The serial-console monitor (kernel/monitor.c, boot with `monitor`). */
#ifndef KERNEL_MONITOR_H
#define KERNEL_MONITOR_H

#include "kernel/ktest.h"

bool monitor_requested(void);
/* Prompt, read and run commands until `poweroff`; what the commands run (programs, torture,
 * benchmarks) adds to *tot, the boot's verdict. */
void monitor_run(struct ktest_totals *tot);

#endif
