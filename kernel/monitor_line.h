/* The monitor's line editor (kernel/monitor_line.c). */
#ifndef KERNEL_MONITOR_LINE_H
#define KERNEL_MONITOR_LINE_H

#include "kernel/types.h"

#define MONITOR_LINE_CAP 160   /* a line's bytes, with its NUL */

/* Write s to the console as it is (no timestamp). */
void monitor_out(const char *s);
/* Read one line into line[MONITOR_LINE_CAP], echoing and editing it; its length (0 for an empty
 * or abandoned line). */
size_t monitor_read_line(char *line);
/* Cut line into words in place: their number, or -1 if there are more than max. */
int monitor_split(char *line, char **argv, int max);

#endif
