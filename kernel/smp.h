/* Bringing up the other CPUs, and running functions on them through IPIs.
 * smp_call_function(mask, fn, arg, wait) runs fn(arg) on every CPU in mask (this one included,
 * directly) in interrupt context; with wait it returns after all have finished: the primitive a
 * TLB shootdown needs. The caller must have interrupts enabled (two CPUs calling each other with
 * interrupts off would wait for ever). */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include "kernel/percpu.h"

struct boot_info;

void smp_init(struct boot_info *bi);
/* CPUs the firmware listed that were given up on at start-up (parked if they answered late). */
extern unsigned smp_cpus_given_up;
/* For tests: the firmware's CPU that smp.test_late_cpu started last (0: none), and the start
 * record of the firmware's CPU fw_index (NULL for the boot CPU and past the list). */
unsigned smp_test_late_cpu(void);
const struct cpu_start *smp_cpu_start(unsigned fw_index);
void smp_call_function(cpumask_t mask, void (*fn)(void *), void *arg, bool wait);
/* Times a sender found a target's call queue full and ran its own calls while it waited. */
extern unsigned long smp_call_queue_full;
/* panic: stop every other CPU, each printing its backtrace first. */
void smp_stop_others(void);

#endif
