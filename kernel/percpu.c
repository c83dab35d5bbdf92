/* Per-CPU blocks and the copies of the .percpu section (see percpu.h). CPU 0 uses the section
 * itself (offset 0), so per-CPU variables work from the first instruction of kmain. */
#include "kernel/percpu.h"
#include "kernel/panic.h"
#include "lib/string.h"
#include "mm/slab.h"

struct percpu cpu_blocks[MAX_CPUS];
unsigned nr_cpus_online = 1;
unsigned nr_cpus_possible = 1;
cpumask_t cpu_online_mask = 1;

extern char __percpu_start[], __percpu_end[];

void percpu_bind(unsigned cpu)
{
	struct percpu *pc = &cpu_blocks[cpu];
	pc->self = pc;
	pc->cpu = cpu;
	arch_percpu_set(pc);
}

void __init percpu_init(unsigned nr_cpus)
{
	size_t size = (size_t)(__percpu_end - __percpu_start);
	for (unsigned cpu = 1; cpu < nr_cpus; cpu++) {
		char *copy = kmalloc(size ? size : 1, 0);
		if (!copy)
			panic("percpu: no memory for CPU %u's copy (%zu bytes)", cpu, size);
		memcpy(copy, __percpu_start, size);
		cpu_blocks[cpu].offset = (uintptr_t)copy - (uintptr_t)__percpu_start;
	}
}
