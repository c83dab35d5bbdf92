/* kmain: what the boot CPU does once the arch has reached C. Parameters first (so a bad one stops
 * the boot before anything runs on wrong settings), then memory, then whatever the command line
 * asked for, then power-off with the verdict. */
#include "arch/arch.h"
#include "boot/boot_info.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/monitor.h"
#include "kernel/panic.h"
#include "kernel/param.h"
#include "kernel/printk.h"
#include "kernel/rcu/rcu.h"
#include "kernel/sched/thread.h"
#include "kernel/smp.h"
#include "kernel/torture.h"
#include "kernel/trace.h"
#include "kernel/user/exec.h"
#include "kernel/user/init.h"
#include "kernel/user/initramfs.h"
#include "kernel/user/process.h"
#include "lib/cpio.h"
#include "mm/fault.h"
#include "mm/mm_init.h"
#include "mm/vmap.h"

static char test_sel[512];
PARAM_LIST("test", test_sel,
	   "run in-kernel tests: all, or suites (and suite.case) to run, comma-separated "
	   "(listed below)");

static struct boot_info *boot_info_saved;

static void print_memory_map(const struct boot_info *bi)
{
	pr_info("boot: memory map from %s:\n", bi->loader[0] ? bi->loader : "firmware");
	if (bi->map_note[0])
		pr_info("boot: (%s)\n", bi->map_note);
	for (unsigned i = 0; i < bi->nr_memmap; i++) {
		const struct mem_range *r = &bi->memmap[i];
		pr_info("  [0x%012lx-0x%012lx) %8lu KiB %s\n", r->start, r->end,
			(unsigned long)((r->end - r->start) >> 10), mem_type_name(r->type));
	}
}

static __noreturn void finish(struct ktest_totals *tot)
{
	if (preempt_debug_reports) {
		pr_err("faultline: %lu use(s) of this CPU in preemptible code (debug.preempt); "
		       "counted as a failure\n", preempt_debug_reports);
		tot->fail++;
	}
	printk_raw("faultline: done pass=%u fail=%u skip=%u\n", tot->pass, tot->fail, tot->skip);
	arch_power_off(tot->fail ? 1 : 0);
}

#ifdef ARCH_HAS_USER_MODE
/* The first user program (init=, or /init): run to its end; a status of 0 passes. */
static void run_init(struct ktest_totals *tot)
{
	const char *const *argv, *const *envp;
	user_init_argv(&argv);
	user_init_envp(&envp);
	const char *path = user_init_path(), *name = path, *why;
	for (const char *c = path; *c; c++)
		if (*c == '/')
			name = c + 1;
	struct process *p = process_create(name);
	int code = -1, tid = p ? process_exec(p, path, argv, envp, &why) : -ENOMEM;
	if (tid < 0) {
		pr_err("init: cannot run %s: %s%s%s\n", path, errno_name(tid), p && *why ? ": " : "",
		       p && *why ? why : "");
		tot->fail++;
	} else {
		process_wait(p, ~0ull, &code);
		pr_info("init: %s exited with status %d%s%s\n", path, code,
			p->killed ? ", killed: " : "", p->killed ? p->kill_reason : "");
		/* How the fault strategy handled this boot's faults (make bench reads it). */
		struct fault_stats fs;
		char paths[256];
		fault_get_stats(&fs);
		fault_stats_format(&fs, paths, sizeof(paths));
		pr_info("mm: faults under mm.fault=%s: %s\n", fault_strategy->name, paths);
		if (code)
			tot->fail++;
		else
			tot->pass++;
	}
	if (p)
		process_put(p);
}

static bool init_wanted(void)
{
	struct cpio_entry e;
	return user_init_given() || initramfs_find(user_init_path(), &e) == 0;
}
#endif

/* Runs on a kernel stack with a guard page, after mm_init. */
static __noreturn void kmain_late(void *arg)
{
	struct ktest_totals tot = { 0 };
	(void)arg;

	sched_init((char *)mm_boot_stack_top() - KSTACK_SIZE);
	arch_platform_init(boot_info_saved);
	smp_init(boot_info_saved);
	arch_irq_enable();
	rcu_init();
#ifdef ARCH_HAS_USER_MODE
	process_init();
#endif
	pr_info("boot: %u CPUs online; cycle counter %lu kHz\n", nr_cpus_online,
		(unsigned long)(arch_cycle_freq() / 1000));

	/* Tests and torture first; then init= if given (or, with nothing else asked for, the
	 * initramfs's /init, as Linux runs it); then the monitor if asked for, until its
	 * poweroff; the run passes if all of them did. */
	bool asked = test_sel[0] || torture_requested() || monitor_requested();
	if (test_sel[0])
		ktest_run(test_sel, &tot);
	if (torture_requested())
		torture_run_all(torture_selection(), &tot.pass, &tot.fail);
#ifdef ARCH_HAS_USER_MODE
	if (user_init_given() || (!asked && init_wanted())) {
		run_init(&tot);
		asked = true;
	}
#endif
	if (monitor_requested())
		monitor_run(&tot);
	if (asked)
		finish(&tot);
	pr_info("faultline: nothing to run; boot with test=all (or help) to see it work\n");
	for (;;)
		arch_wait_for_interrupt();
}

__noreturn void kmain(struct boot_info *bi)
{
	boot_info_saved = bi;
	printk_raw("\nFaultline: a research kernel about address-space scalability\n");
	pr_info("boot: command line '%s'\n", bi->cmdline);
	pr_info("boot: cycle counter %lu.%03lu MHz\n", (unsigned long)(arch_cycle_freq() / 1000000),
		(unsigned long)(arch_cycle_freq() / 1000 % 1000));

	if (bi->cmdline_len >= sizeof(bi->cmdline)) {
		pr_err("boot: the command line is %lu characters long, over the %lu the kernel "
		       "keeps; refusing to run with it cut short\n", (unsigned long)bi->cmdline_len,
		       (unsigned long)sizeof(bi->cmdline) - 1);
		struct ktest_totals tot = { .fail = 1 };
		finish(&tot);
	}
	int bad = params_apply_boot(bi->cmdline);
	bad += user_init_setup(bi->cmdline);
	bad += trace_setup();
	if (bad) {
		pr_err("faultline: %d bad boot parameter(s); refusing to run with them\n", bad);
		struct ktest_totals tot = { .fail = (unsigned)bad };
		finish(&tot);
	}
	if (params_help_requested()) {   /* parameters listed; now what test= and torture= take */
		struct ktest_totals tot = { 0 };
		ktest_print_suites();
		torture_print_suites();
		finish(&tot);
	}
	print_memory_map(bi);
	mm_init(bi);
	initramfs_init(bi);
	arch_call_on_stack(mm_boot_stack_top(), kmain_late, NULL);
}
