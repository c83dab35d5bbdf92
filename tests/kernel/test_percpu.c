/* Per-CPU variables and alloc_percpu() (kernel/percpu.h): every CPU has its own copy, starting
 * from the static initialiser; this_cpu_ptr() on a CPU is per_cpu_ptr() of that CPU; copies are
 * apart by whole cache lines; the run-time reserve hands out zeroed, aligned, disjoint blocks and
 * takes them back. */
#include "kernel/ktest.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "lib/string.h"

static DEFINE_PER_CPU(unsigned long, test_counter) = 42;

struct seen {
	unsigned long *this_ptr;     /* this_cpu_ptr(&test_counter) on the CPU */
	struct percpu *block;        /* arch_this_cpu() there */
	uintptr_t offset;
};
static struct seen seen[MAX_CPUS];

static void bump_own(void *arg)
{
	(void)arg;
	unsigned cpu = smp_processor_id();   /* in a cross-CPU call: interrupts are off */
	unsigned long *p = this_cpu_ptr(&test_counter);
	*p += cpu + 1;
	seen[cpu] = (struct seen){ p, arch_this_cpu(), this_cpu()->offset };
}

KTEST(percpu, copies)
{
	for (unsigned c = 0; c < MAX_CPUS; c++)
		KEXPECT_EQ(t, *per_cpu_ptr(&test_counter, c), 42);
	smp_call_function(cpu_online_mask, bump_own, NULL, true);
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		unsigned long *p = per_cpu_ptr(&test_counter, c);
		bool online = cpumask_test(cpu_online_mask, c);
		KEXPECT_EQ(t, *p, online ? 42 + c + 1 : 42);
		KEXPECT_EQ(t, percpu_offsets[c] % 64, 0);
		for (unsigned d = 0; d < c; d++)
			KEXPECT(t, p != per_cpu_ptr(&test_counter, d));
		if (!online)
			continue;
		KEXPECT(t, seen[c].this_ptr == p);
		KEXPECT(t, seen[c].block == cpu_block(c));
		KEXPECT_EQ(t, seen[c].offset, percpu_offsets[c]);
		KEXPECT(t, cpu_block(c)->self == cpu_block(c));
		KEXPECT_EQ(t, cpu_block(c)->cpu, c);
		*p = 42;   /* as it was, for the next run */
	}
	KEXPECT_EQ(t, percpu_offsets[0], 0);   /* CPU 0's copy is the section itself */
}

struct pair {
	u64 a, b;
};

KTEST(percpu, alloc_free)
{
	size_t free0 = percpu_dynamic_free();
	KEXPECT(t, __alloc_percpu(0, 8) == NULL);
	KEXPECT(t, __alloc_percpu(16, 128) == NULL);   /* over a cache line */
	KEXPECT(t, __alloc_percpu(16, 24) == NULL);    /* not a power of two */

	struct pair *x = alloc_percpu(struct pair);
	u64 *line = __alloc_percpu(8, 64);
	KASSERT(t, x && line);
	KEXPECT_EQ(t, (uintptr_t)line % 64, 0);
	KEXPECT(t, (char *)line >= (char *)(x + 1) || (char *)(line + 1) <= (char *)x);
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		KEXPECT(t, per_cpu_ptr(x, c)->a == 0 && per_cpu_ptr(x, c)->b == 0);
		KEXPECT_EQ(t, *per_cpu_ptr(line, c), 0);
		*per_cpu_ptr(x, c) = (struct pair){ c, ~(u64)c };
		*per_cpu_ptr(line, c) = 1000 + c;
	}
	for (unsigned c = 0; c < MAX_CPUS; c++) {
		KEXPECT(t, per_cpu_ptr(x, c)->a == c && per_cpu_ptr(x, c)->b == ~(u64)c);
		KEXPECT_EQ(t, *per_cpu_ptr(line, c), 1000 + c);
	}
	free_percpu(x);
	/* The same granules come back, and zeroed again. */
	struct pair *y = alloc_percpu(struct pair);
	KASSERT(t, y);
	for (unsigned c = 0; c < MAX_CPUS; c++)
		KEXPECT(t, per_cpu_ptr(y, c)->a == 0 && per_cpu_ptr(y, c)->b == 0);
	free_percpu(y);
	free_percpu(line);
	free_percpu(NULL);
	KEXPECT_EQ(t, percpu_dynamic_free(), free0);

	/* Fill the reserve with 64-byte blocks: as many as the free space holds at most, then
	 * NULL; everything back afterwards. */
	static void *blocks[PERCPU_DYNAMIC_SIZE / 64];
	unsigned n = 0;
	while (n < ARRAY_SIZE(blocks) && (blocks[n] = __alloc_percpu(64, 64)))
		n++;
	ktest_log(t, "%zu of %u bytes free at the start; %u blocks of 64 bytes fit", free0,
		  PERCPU_DYNAMIC_SIZE, n);
	KEXPECT(t, n > 0 && n <= free0 / 64);
	KEXPECT(t, n == ARRAY_SIZE(blocks) || __alloc_percpu(64, 64) == NULL);
	while (n)
		free_percpu(blocks[--n]);
	KEXPECT_EQ(t, percpu_dynamic_free(), free0);
}
