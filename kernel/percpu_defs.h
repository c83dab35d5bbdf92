/* Sizes of the per-CPU area (kernel/percpu.h), as plain constants: linker.ld includes this. */
#ifndef KERNEL_PERCPU_DEFS_H
#define KERNEL_PERCPU_DEFS_H

/* Each CPU's copy starts at a multiple of this, and so is aligned to it: the largest cache line
 * of the three arches (POWER9's 128 bytes), so two CPUs' copies never share one, and the largest
 * alignment a per-CPU variable may ask for (linker.ld checks). */
#define PERCPU_ALIGN 128

/* Each CPU's reserve for alloc_percpu(), at the end of its copy of .percpu: a slab cache's
 * magazines take about 200 bytes, so room for some 40 caches. */
#define PERCPU_DYNAMIC_SIZE 8192

#endif
