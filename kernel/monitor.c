/*
 * The monitor (boot with `monitor`): a prompt on the serial console, once whatever else the
 * command line asked for is done, to look inside the running kernel and to run things in it:
 * its processes and threads, a process's VMAs, the page-table walk of one address level by
 * level, the page allocator and the slab caches, the fault counters, the fault and merge
 * traces, programs from the initramfs, torture suites, benchmarks, the parameters that may
 * change at run time. For students and for debugging; docs/lab.md is a lab built on it.
 *
 * It runs on the boot thread (kmain_late), one command at a time: while a command runs, what
 * is typed waits in the UART and the host's pipe. The line editor is kernel/monitor_line.c.
 *
 * What it reads of the rest of the kernel it reads the way the kernel's own readers do: the
 * threads under the thread list's lock (thread_for_each), a process by a reference taken there,
 * its address space by a reference and its VMAs and page tables under mmap_lock held for read
 * (no table is freed without it held for write), the allocators through their snapshots.
 * Whatever is typed, a command either does what it says or prints one line saying why not, and
 * the prompt comes back.
 */
#include "kernel/monitor.h"
#include "kernel/monitor_line.h"
#include "arch/arch.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/param.h"
#include "kernel/printk.h"
#include "kernel/sched/thread.h"
#include "kernel/sched/timer.h"
#include "kernel/sched/wait.h"
#include "kernel/rcu/rcu.h"
#include "kernel/torture.h"
#include "kernel/trace.h"
#include "kernel/user/exec.h"
#include "kernel/user/init.h"
#include "kernel/user/process.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/fault.h"
#include "mm/internal.h"
#include "mm/mm.h"
#include "mm/page.h"
#include "mm/pgtable.h"
#include "mm/slab.h"
#include "mm/vma.h"

static bool monitor_wanted;
PARAM_BOOL("monitor", monitor_wanted,
	   "after the tests, torture and init= the command line asked for: a prompt on the serial "
	   "console (`help` lists its commands; `poweroff` ends the boot with the verdict)");

bool monitor_requested(void) { return monitor_wanted; }

#define PROMPT      "faultline> "
#define MAX_ARGS    12

/* ---- Helpers ---- */

/* A number as a user types it: decimal (leading zeros and all), or hex after 0x. Not
 * parse_s64's C rules, where a leading 0 would make `walk 3 0400000` octal. */
static bool parse_num(const char *s, s64 *v)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	u64 n = 0, base = hex ? 16 : 10;
	if (hex)
		s += 2;
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned d = *s >= '0' && *s <= '9' ? (unsigned)(*s - '0') :
			     hex && *s >= 'a' && *s <= 'f' ? (unsigned)(*s - 'a' + 10) :
			     hex && *s >= 'A' && *s <= 'F' ? (unsigned)(*s - 'A' + 10) : 99;
		if (d >= base || n > (0x7fffffffffffffffull - d) / base)
			return false;
		n = n * base + d;
	}
	*v = (s64)n;
	return true;
}

/* torture, bench and a strategy switch run with the whole machine to themselves: torture=mm's
 * knobs (its twins, its tolerance of mm bugs, its leak check) are global, and a strategy may
 * change only while no address space has a VMA. A program run with & would be in the way. */
static bool background_live(void);

static bool programs_alive(const char *cmd)
{
	/* A program run in the foreground has ended when `run` says so, but the reaper counts its
	 * last thread out a moment after it completes the process: give it a second. */
	for (unsigned i = 0; i < 100 && uthreads_in_use() && !background_live(); i++)
		sleep_ns(10 * 1000 * 1000);
	unsigned long n = uthreads_in_use();
	if (n)
		printk_raw("%s: not while a program runs (%lu user threads; kill the ones run with "
			   "&)\n", cmd, n);
	return n != 0;
}

/* A process by its pid, for vmas and walk: with its address space, both with references. */
static struct process *find_process(const char *cmd, const char *arg, struct mm **mm)
{
	s64 pid;
	if (!parse_num(arg, &pid) || pid <= 0 || pid > 0x7fffffff) {
		printk_raw("%s: '%s' is not a pid (a number from ps)\n", cmd, arg);
		return NULL;
	}
	struct process *p = process_find((int)pid);
	if (!p) {
		printk_raw("%s: no process %ld (ps lists them)\n", cmd, (long)pid);
		return NULL;
	}
	*mm = process_get_mm(p);
	if (!*mm) {
		printk_raw("%s: process %ld has exited\n", cmd, (long)pid);
		process_put(p);
		return NULL;
	}
	return p;
}

static void prot_string(unsigned long flags, char *s)
{
	s[0] = flags & VM_READ ? 'r' : '-';
	s[1] = flags & VM_WRITE ? 'w' : '-';
	s[2] = flags & VM_EXEC ? 'x' : '-';
	s[3] = flags & VM_SHARED ? 's' : 'p';
	s[4] = 0;
}

static void size_string(u64 bytes, char *buf, size_t cap)
{
	if (bytes >= (1ull << 30) && !(bytes & ((1ull << 30) - 1)))
		snprintf(buf, cap, "%lu GiB", (unsigned long)(bytes >> 30));
	else if (bytes >= (1ull << 20) && !(bytes & ((1ull << 20) - 1)))
		snprintf(buf, cap, "%lu MiB", (unsigned long)(bytes >> 20));
	else
		snprintf(buf, cap, "%lu KiB", (unsigned long)(bytes >> 10));
}

/* Entries in [start, end) of the tables under `table` (at `level`): present pages (the zero
 * page's among them counted apart) and software entries (PROT_NONE pages). */
struct pte_count {
	unsigned long present, zero, soft;
};

static void count_ptes(phys_addr_t table, int level, uintptr_t start, uintptr_t end,
		       struct pte_count *c)
{
	const pte_t *t = phys_to_virt(table);
	for (uintptr_t addr = start; addr < end;) {
		u64 size = pt_level_size(level);
		uintptr_t next = (addr & ~(uintptr_t)(size - 1)) + size;
		if (next > end || next < addr)
			next = end;
		pte_t e = pte_read_once(&t[pt_index(addr, level)]);
		if (pte_is_table(e, level)) {
			count_ptes(pte_addr(e, level), level - 1, addr, next, c);
		} else if (pte_present(e)) {
			unsigned long n = (next - addr) >> PAGE_SHIFT;
			c->present += n;
			if (level == 0 && pte_addr(e, 0) == page_to_phys(zero_page))
				c->zero += n;
		} else if (e && level == 0) {
			c->soft++;
		}
		addr = next;
	}
}

/* ---- The commands ---- */

struct monitor_ctx {
	struct ktest_totals *tot;
	bool poweroff;
};

/* ps */
#define PS_ROWS 128
struct ps_row {
	char name[24];
	char proc[16];
	int pid, tid;
	enum thread_state state;
	bool on_cpu;
	unsigned cpu;
	int pinned;
	u64 switches, faults;
};
struct ps_snapshot {
	struct ps_row rows[PS_ROWS];
	unsigned n, total;
};
static struct ps_snapshot ps_snap;   /* one command at a time: the boot thread's */

static void ps_collect(struct thread *t, void *arg)
{
	struct ps_snapshot *s = arg;
	if (s->n < PS_ROWS) {
		struct ps_row *r = &s->rows[s->n++];
		memcpy(r->name, t->name, sizeof(r->name));
		r->name[sizeof(r->name) - 1] = 0;
		r->pid = r->tid = 0;
		r->proc[0] = 0;
		if (t->uthread) {
			r->pid = t->uthread->proc->pid;
			r->tid = t->uthread->tid;
			memcpy(r->proc, t->uthread->proc->name, sizeof(r->proc));
			r->proc[sizeof(r->proc) - 1] = 0;
		}
		r->state = READ_ONCE(t->state);
		r->on_cpu = READ_ONCE(t->on_cpu);
		r->cpu = READ_ONCE(t->cpu);
		r->pinned = t->pinned_cpu;
		r->switches = READ_ONCE(t->nr_switches);
		r->faults = READ_ONCE(t->nr_faults);
	}
	s->total++;
}

static int cmd_ps(struct monitor_ctx *m, int argc, char **argv)
{
	static const char *const states[] = { "new", "runnable", "sleeping", "dead" };
	(void)m, (void)argc, (void)argv;
	ps_snap.n = ps_snap.total = 0;
	thread_for_each(ps_collect, &ps_snap);
	unsigned user = 0;
	printk_raw("  %5s %5s  %-9s %-4s %-8s %9s %8s  %s\n", "PID", "TID", "STATE", "CPU", "PINNED",
		   "SWITCHES", "FAULTS", "NAME");
	for (unsigned i = 0; i < ps_snap.n; i++) {
		const struct ps_row *r = &ps_snap.rows[i];
		char pid[8] = "-", tid[8] = "-", pin[8] = "-", name[48];
		if (r->pid) {
			snprintf(pid, sizeof(pid), "%d", r->pid);
			snprintf(tid, sizeof(tid), "%d", r->tid);
			snprintf(name, sizeof(name), "%s (process '%s')", r->name, r->proc);
			user++;
		} else {
			snprintf(name, sizeof(name), "%s (kernel)", r->name);
		}
		if (r->pinned >= 0)
			snprintf(pin, sizeof(pin), "cpu%d", r->pinned);
		printk_raw("  %5s %5s  %-9s cpu%u%s %-8s %9lu %8lu  %s\n", pid, tid,
			   r->on_cpu && r->state == T_RUNNABLE ? "running" :
			   r->state <= T_DEAD ? states[r->state] : "?", r->cpu, r->on_cpu ? "*" : " ",
			   pin, (unsigned long)r->switches, (unsigned long)r->faults, name);
	}
	if (ps_snap.total > ps_snap.n)
		printk_raw("  ... and %u more\n", ps_snap.total - ps_snap.n);
	printk_raw("%u threads, %u of them in user processes (* on a CPU now)\n", ps_snap.total,
		   user);
	return 0;
}

/* vmas PID */
static int cmd_vmas(struct monitor_ctx *m, int argc, char **argv)
{
	(void)m, (void)argc;
	struct mm *mm;
	struct process *p = find_process("vmas", argv[1], &mm);
	if (!p)
		return -EINVAL;
	mmap_read_lock(mm);
	printk_raw("process %d '%s': mm %p, root table 0x%lx, %lu VMAs, merge policy %s\n",
		   p->pid, p->name, (void *)mm, (unsigned long)mm->pgd,
		   (unsigned long)mm->vmas.nr_entries,
		   mm->merge_policy == MERGE_RELAXED ? "relaxed" : "linux");
	printk_raw("  %-33s %9s %4s  %-18s %8s %6s %5s\n", "RANGE", "SIZE", "PROT", "ANON_VMA",
		   "PAGES", "ZERO", "NONE");
	unsigned long total = 0;
	for (struct vma *v = vma_find(mm, 0); v; v = v->end ? vma_find(mm, v->end) : NULL) {
		char prot[8], size[16], anon[20] = "-";
		struct pte_count c = { 0 };
		prot_string(v->flags, prot);
		size_string(v->end - v->start, size, sizeof(size));
		struct anon_vma *av = READ_ONCE(v->anon_vma);   /* a fault may set it */
		if (av)
			snprintf(anon, sizeof(anon), "%p", (void *)av);
		else if (v->shm)
			snprintf(anon, sizeof(anon), "shm %p", (void *)v->shm);
		count_ptes(mm->pgd, PT_LEVELS - 1, v->start, v->end, &c);
		total += c.present;
		printk_raw("  0x%012lx-0x%012lx %9s %4s  %-18s %8lu %6lu %5lu\n",
			   (unsigned long)v->start, (unsigned long)v->end, size, prot, anon,
			   c.present, c.zero, c.soft);
		if (v->end >= USER_VA_END)
			break;
	}
	printk_raw("  %lu pages mapped (PAGES: present entries, ZERO: of them the zero page, "
		   "NONE: PROT_NONE pages kept)\n", total);
	mmap_read_unlock(mm);
	mm_put(mm);
	process_put(p);
	return 0;
}

/* walk PID ADDR */
static void print_entry(int level, unsigned idx, phys_addr_t at, pte_t e)
{
	char bits[128] = "";
	size_t used = 0;
	bool table = pte_is_table(e, level);
	unsigned n;
	const struct pte_field *f = pte_fields(table, &n);
	u64 v = pte_value(e);
	for (unsigned i = 0; pte_present(e) && i < n; i++)
		if ((v & f[i].mask) == f[i].match && used < sizeof(bits))
			used += (size_t)snprintf(bits + used, sizeof(bits) - used, " %s", f[i].name);
	printk_raw("  level %d  index %3u  entry at 0x%lx: 0x%016lx %s\n", level, idx,
		   (unsigned long)at, (unsigned long)v, pte_present(e) ? "" : "(not present)");
	if (bits[0])
		printk_raw("           bits:%s\n", bits);
}

static int cmd_walk(struct monitor_ctx *m, int argc, char **argv)
{
	(void)m, (void)argc;
	s64 a;
	if (!parse_num(argv[2], &a) || a < 0 || (u64)a >= USER_VA_END) {
		printk_raw("walk: '%s' is not a user address (0 to 0x%lx)\n", argv[2],
			   (unsigned long)USER_VA_END - 1);
		return -EINVAL;
	}
	uintptr_t addr = (uintptr_t)a;
	struct mm *mm;
	struct process *p = find_process("walk", argv[1], &mm);
	if (!p)
		return -EINVAL;
	mmap_read_lock(mm);
	struct vma *v = vma_lookup(mm, addr);
	printk_raw("walk 0x%lx in process %d '%s': root table 0x%lx, %d levels\n",
		   (unsigned long)addr, p->pid, p->name, (unsigned long)mm->pgd, PT_LEVELS);
	if (v) {
		char prot[8];
		prot_string(v->flags, prot);
		printk_raw("  in VMA 0x%lx-0x%lx %s, page %lu of it\n", (unsigned long)v->start,
			   (unsigned long)v->end, prot, (unsigned long)((addr - v->start) >> PAGE_SHIFT));
	} else {
		printk_raw("  in no VMA: an access here is a segmentation fault\n");
	}
	phys_addr_t table = mm->pgd;
	for (int level = PT_LEVELS - 1; level >= 0; level--) {
		unsigned idx = pt_index(addr, level);
		const pte_t *t = phys_to_virt(table);
		pte_t e = pte_read_once(&t[idx]);
		print_entry(level, idx, table + idx * sizeof(pte_t), e);
		if (pte_is_table(e, level)) {
			table = pte_addr(e, level);
			printk_raw("           -> the level %d table at 0x%lx\n", level - 1,
				   (unsigned long)table);
			continue;
		}
		if (pte_present(e)) {
			char size[16];
			phys_addr_t pa = pte_addr(e, level);
			unsigned prot = pte_prot(e, level);
			size_string(pt_level_size(level), size, sizeof(size));
			printk_raw("           -> a %s page at 0x%lx: %s%s%s%s; 0x%lx is at 0x%lx%s\n",
				   size, (unsigned long)pa, prot & MMU_USER ? "user " : "kernel ",
				   "read", prot & MMU_WRITE ? "/write" : " only",
				   prot & MMU_EXEC ? "/exec" : "", (unsigned long)addr,
				   (unsigned long)(pa + (addr & (pt_level_size(level) - 1))),
				   level == 0 && pa == page_to_phys(zero_page) ?
				   " (the zero page: a write will fault and get a page of its own)" : "");
		} else if (e && level == 0) {
			printk_raw("           -> a software entry (not present to the MMU): a "
				   "PROT_NONE page kept, value 0x%lx\n", (unsigned long)pte_soft_val(e));
		} else {
			printk_raw("           -> empty: %s\n", level ? "no table below, nothing "
				   "mapped in this span" : "nothing mapped; the first access faults");
		}
		break;
	}
	mmap_read_unlock(mm);
	mm_put(mm);
	process_put(p);
	return 0;
}

/* pages */
#define SLAB_ROWS 48
static struct kmem_cache_row slab_rows[SLAB_ROWS];

static int cmd_pages(struct monitor_ctx *m, int argc, char **argv)
{
	(void)m, (void)argc, (void)argv;
	static unsigned long blocks[MAX_ORDER + 1], cpu_pages[MAX_CPUS];
	page_alloc_snapshot(blocks, cpu_pages);
	unsigned long managed = page_alloc_nr_managed(), buddy = 0, lists = 0;
	printk_raw("page allocator: %lu pages managed (%lu MiB)\n", managed, managed >> (20 - PAGE_SHIFT));
	printk_raw("  %5s %7s %8s\n", "ORDER", "BLOCKS", "PAGES");
	for (unsigned o = 0; o <= MAX_ORDER; o++) {
		buddy += blocks[o] << o;
		printk_raw("  %5u %7lu %8lu\n", o, blocks[o], blocks[o] << o);
	}
	printk_raw("  buddy lists: %lu pages free\n  CPU lists:", buddy);
	for (unsigned c = 0; c < nr_cpus_online; c++) {
		lists += cpu_pages[c];
		printk_raw(" cpu%u %lu", c, cpu_pages[c]);
	}
	unsigned long free = buddy + lists;
	printk_raw(" (%lu pages)\n  free: %lu pages of %lu; in use: %lu\n", lists, free, managed,
		   managed > free ? managed - free : 0);
	unsigned n = kmem_cache_list(slab_rows, SLAB_ROWS);
	printk_raw("slab caches: %u\n  %-18s %5s %6s %8s %7s %9s %8s  %s\n", n, "CACHE", "SIZE",
		   "SLABS", "OBJECTS", "IN-USE", "MAGAZINES", "RCU-WAIT", "FLAGS");
	for (unsigned i = 0; i < n && i < SLAB_ROWS; i++) {
		const struct kmem_cache_row *r = &slab_rows[i];
		printk_raw("  %-18s %5u %6lu %8lu %7lu %9lu %8lu  %s\n", r->name, r->size,
			   r->st.slabs, r->st.objects, r->st.in_use, r->st.in_magazines,
			   r->st.slabs_rcu, r->flags & SLAB_TYPESAFE_BY_RCU ? "typesafe" : "-");
	}
	if (n > SLAB_ROWS)
		printk_raw("  ... and %u more\n", n - SLAB_ROWS);
	return 0;
}

/* faults */
static int cmd_faults(struct monitor_ctx *m, int argc, char **argv)
{
	(void)m, (void)argc, (void)argv;
	struct fault_stats st;
	char paths[256];
	fault_get_stats(&st);
	fault_stats_format(&st, paths, sizeof(paths));
	printk_raw("faults under mm.fault=%s: %lu handled, %lu not (no VMA, not allowed, no "
		   "memory)\n", fault_strategy->name, st.success, st.failure);
	printk_raw("  handled: zero_page=%lu page_alloc=%lu shm=%lu upgrade=%lu cow_copy=%lu "
		   "cow_reuse=%lu spurious=%lu\n", st.zero_page, st.page_alloc, st.shm, st.upgrade,
		   st.cow_copy, st.cow_reuse, st.spurious);
	printk_raw("  paths: %s\n", paths);
	return 0;
}

/* trace KIND on|off */
static int cmd_trace(struct monitor_ctx *m, int argc, char **argv)
{
	(void)m, (void)argc;
	bool on = !strcmp(argv[2], "on");
	if (!on && strcmp(argv[2], "off")) {
		printk_raw("trace: '%s': say on or off\n", argv[2]);
		return -EINVAL;
	}
	if (trace_set(argv[1], on)) {
		printk_raw("trace: no such trace '%s' (%s)\n", argv[1], trace_kinds);
		return -EINVAL;
	}
	printk_raw("trace %s: %s\n", argv[1], on ? "on" : "off");
	return 0;
}

/* run PATH ARGS [&]: with &, the monitor keeps a reference and says when it has ended. */
#define MAX_BACKGROUND 8
static struct process *background[MAX_BACKGROUND];
static bool background_killed[MAX_BACKGROUND];   /* by `kill`: its status is not a failure */

static void run_ended(struct monitor_ctx *m, struct process *p, const char *how, bool counts)
{
	int code = -1;
	process_wait(p, ~0ull, &code);
	printk_raw("run: process %d '%s' %s with status %d%s%s\n", p->pid, p->name, how, code,
		   p->killed ? ", killed: " : "", p->killed ? p->kill_reason : "");
	if (counts && code)
		m->tot->fail++;
	else if (counts)
		m->tot->pass++;
	process_put(p);
}

static bool background_live(void)
{
	for (unsigned i = 0; i < MAX_BACKGROUND; i++)
		if (background[i])
			return true;
	return false;
}

/* Before each prompt: the background programs that have ended. */
static void reap_background(struct monitor_ctx *m)
{
	for (unsigned i = 0; i < MAX_BACKGROUND; i++)
		if (background[i] && completion_done(&background[i]->done)) {
			run_ended(m, background[i], background_killed[i] ? "was killed, ended" :
				  "exited", !background_killed[i]);
			background[i] = NULL;
		}
}

/* At poweroff: those still running are told to end (as exit_group(0) would), and waited for. */
static void end_background(struct monitor_ctx *m)
{
	for (unsigned i = 0; i < MAX_BACKGROUND; i++)
		if (background[i]) {
			process_exit_group(background[i], 0, false);   /* if still running */
			run_ended(m, background[i], "ended", !background_killed[i]);
			background[i] = NULL;
		}
}

static int cmd_run(struct monitor_ctx *m, int argc, char **argv)
{
	const char *args[MAX_ARGS + 1];
	const char *const *envp;
	const char *why = "";
	bool bg = !strcmp(argv[argc - 1], "&");
	unsigned slot = 0;
	if (bg) {
		argc--;
		while (slot < MAX_BACKGROUND && background[slot])
			slot++;
		if (argc < 2 || slot == MAX_BACKGROUND) {
			printk_raw("run: %s\n", argc < 2 ? "run what?" :
				   "8 programs already run in the background");
			return -EINVAL;
		}
	}
	for (int i = 1; i < argc; i++)
		args[i - 1] = argv[i];
	args[argc - 1] = NULL;
	user_init_envp(&envp);
	const char *name = argv[1];
	for (const char *c = argv[1]; *c; c++)
		if (*c == '/' && c[1])
			name = c + 1;
	struct process *p = process_create(name);
	if (!p) {
		printk_raw("run: no memory for a process\n");
		return -ENOMEM;
	}
	int tid = process_exec(p, argv[1], args, envp, &why);
	if (tid < 0) {
		printk_raw("run: cannot run %s: %s%s%s\n", argv[1], errno_name(tid), *why ? ": " : "",
			   why);
		process_put(p);
		return tid;
	}
	printk_raw("run: %s is process %d%s\n", argv[1], p->pid, bg ? ", in the background" : "");
	if (bg)
		background[slot] = p, background_killed[slot] = false;
	else
		run_ended(m, p, "exited", true);
	return 0;
}

/* kill PID: end a program run with & (as exit_group(137) would); its status is no failure. */
static int cmd_kill(struct monitor_ctx *m, int argc, char **argv)
{
	(void)m, (void)argc;
	s64 pid;
	unsigned i = MAX_BACKGROUND;
	if (parse_num(argv[1], &pid))
		for (i = 0; i < MAX_BACKGROUND; i++)
			if (background[i] && background[i]->pid == pid)
				break;
	if (i == MAX_BACKGROUND) {
		printk_raw("kill: '%s' is not a program run with & (ps lists the processes)\n",
			   argv[1]);
		return -EINVAL;
	}
	/* A program that has ended by itself keeps its status, and its verdict. */
	background_killed[i] = process_exit_group(background[i], 137, false);
	process_wait(background[i], ~0ull, &(int){ 0 });
	reap_background(m);
	return 0;
}

/* torture SUITE[,SUITE...] SECONDS */
static int cmd_torture(struct monitor_ctx *m, int argc, char **argv)
{
	(void)argc;
	s64 secs;
	if (!parse_num(argv[2], &secs) || secs < 1 || secs > 3600) {
		printk_raw("torture: '%s' is not a number of seconds from 1 to 3600\n", argv[2]);
		return -EINVAL;
	}
	const char *cur = argv[1];
	char item[32];
	while (param_list_next(&cur, item, sizeof(item)))
		if (!torture_suite_exists(item)) {
			printk_raw("torture: no torture suite named '%s' (boot with help to list "
				   "them)\n", item);
			return -EINVAL;
		}
	if (programs_alive("torture"))
		return -EBUSY;
	char old[24];
	param_get("torture.seconds", old, sizeof(old));
	param_set("torture.seconds", argv[2]);
	torture_run_all(argv[1], &m->tot->pass, &m->tot->fail);
	param_set("torture.seconds", old);
	return 0;
}

/* bench NAME: the in-kernel benchmarks (manual ktests bench_*), by suite or by case. */
static int cmd_bench(struct monitor_ctx *m, int argc, char **argv)
{
	(void)argc;
	static const char *const suites[] = { "bench_fault", "bench_merge", "bench_slab" };
	char sel[64];
	for (unsigned i = 0; i < ARRAY_SIZE(suites); i++) {
		snprintf(sel, sizeof(sel), "%s", suites[i]);
		if (!strcmp(argv[1], suites[i] + 6) && ktest_exists(sel))
			goto run;
		snprintf(sel, sizeof(sel), "%s.%s", suites[i], argv[1]);
		if (strlen(argv[1]) < 40 && ktest_exists(sel))
			goto run;
	}
	printk_raw("bench: no benchmark '%s' (fault, merge, slab, or a case of bench_fault such "
		   "as fault1, mmap_munmap, strategies)\n", argv[1]);
	return -EINVAL;
run:
	if (programs_alive("bench"))
		return -EBUSY;
	ktest_run(sel, m->tot);
	return 0;
}

/* set [PARAM=VALUE]: the parameters that are read afresh each time they matter, so that a
 * change between two commands takes effect in the next one. */
static const char *const settable[] = {
	"mm.fault", "mm.merge", "torture.seconds", "torture.threads", "torture.seed",
	"torture.stutter", "torture.busted", "torture.stat_interval", "bench.seconds",
	"bench.merge_steps", "bench.merge_rounds", "user.strace", "vm.max_map_count", "loglevel",
};

static int cmd_set(struct monitor_ctx *m, int argc, char **argv)
{
	(void)m;
	char val[64];
	if (argc == 1) {
		for (unsigned i = 0; i < ARRAY_SIZE(settable); i++) {
			if (param_get(settable[i], val, sizeof(val)))
				continue;
			if (!strcmp(settable[i], "mm.fault"))
				snprintf(val, sizeof(val), "%s", fault_strategy->name);
			printk_raw("  %s=%s\n", settable[i], val);
		}
		return 0;
	}
	char *eq = strchr(argv[1], '=');
	if (!eq || eq == argv[1] || !eq[1]) {
		printk_raw("set: say set NAME=VALUE (set alone lists them)\n");
		return -EINVAL;
	}
	*eq = 0;
	const char *name = argv[1], *value = eq + 1;
	unsigned i;
	for (i = 0; i < ARRAY_SIZE(settable); i++)
		if (!strcmp(name, settable[i]))
			break;
	if (i == ARRAY_SIZE(settable)) {
		printk_raw("set: %s %s\n", name, param_get(name, val, sizeof(val)) ?
			   "is no parameter" : "cannot change at run time (set alone lists those "
			   "that can)");
		return -EINVAL;
	}
	if (!strcmp(name, "mm.fault")) {
		unsigned k = 0;
		while (fault_strategy_names[k] && strcmp(fault_strategy_names[k], value))
			k++;
		if (!fault_strategy_names[k]) {
			printk_raw("set: mm.fault=%s: no such strategy (mmap_lock, range, spf, pervma, "
				   "adaptive)\n", value);
			return -EINVAL;
		}
		if (programs_alive("set mm.fault"))
			return -EBUSY;
		rcu_barrier();   /* the VMAs of programs that have ended are freed after a grace
				  * period: counted out first */
		int err = fault_strategy_switch(value);
		if (err) {
			printk_raw("set: mm.fault=%s: an address space still has VMAs\n", value);
			return err;
		}
		param_set(name, value);
	} else if (param_set(name, value)) {
		printk_raw("set: %s=%s refused\n", name, value);   /* param_set said why, at
								      * loglevel 3 and up */
		return -EINVAL;
	}
	param_get(name, val, sizeof(val));
	printk_raw("set: %s=%s\n", name, !strcmp(name, "mm.fault") ? fault_strategy->name : val);
	return 0;
}

/* sleep SECONDS: for scripts (tools/qemu-run --input), to let a program started with & run. */
static int cmd_sleep(struct monitor_ctx *m, int argc, char **argv)
{
	(void)m, (void)argc;
	s64 secs;
	if (!parse_num(argv[1], &secs) || secs < 0 || secs > 3600) {
		printk_raw("sleep: '%s' is not a number of seconds from 0 to 3600\n", argv[1]);
		return -EINVAL;
	}
	sleep_ns((u64)secs * 1000000000ull);
	return 0;
}

static int cmd_poweroff(struct monitor_ctx *m, int argc, char **argv)
{
	(void)argc, (void)argv;
	m->poweroff = true;
	return 0;
}

static int cmd_help(struct monitor_ctx *m, int argc, char **argv);

struct command {
	const char *name, *args, *help;
	int min_args, max_args;   /* words after the name */
	int (*fn)(struct monitor_ctx *m, int argc, char **argv);
};

static const struct command commands[] = {
	{ "help", "", "this list", 0, 0, cmd_help },
	{ "ps", "", "threads: pid, tid, state, CPU, switches, faults, name", 0, 0, cmd_ps },
	{ "vmas", "PID", "a process's VMAs: range, size, protection, anon_vma, pages mapped",
	  1, 1, cmd_vmas },
	{ "walk", "PID ADDR", "the page-table walk of ADDR, level by level, each entry raw and "
	  "decoded", 2, 2, cmd_walk },
	{ "pages", "", "free pages by order, the CPUs' lists, the slab caches", 0, 0, cmd_pages },
	{ "faults", "", "the fault counters: kinds, the strategy's paths, aborts", 0, 0,
	  cmd_faults },
	{ "trace", "fault|merge on|off", "a console line per fault or per merge attempt", 2, 2,
	  cmd_trace },
	{ "run", "PATH [ARGS...] [&]", "run a program of the initramfs and wait for it (with &: "
	  "do not wait)", 1, MAX_ARGS - 1, cmd_run },
	{ "torture", "SUITE SECONDS", "run torture suites (comma-separated) for SECONDS each", 2, 2,
	  cmd_torture },
	{ "bench", "NAME", "an in-kernel benchmark: fault, merge, slab, or a bench_fault case", 1, 1,
	  cmd_bench },
	{ "set", "[PARAM=VALUE]", "change a run-time parameter; alone, list them", 0, 1, cmd_set },
	{ "kill", "PID", "end a program run with &", 1, 1, cmd_kill },
	{ "sleep", "SECONDS", "wait (for a program run with &)", 1, 1, cmd_sleep },
	{ "poweroff", "", "end the boot: the verdict of everything run, then power off", 0, 0,
	  cmd_poweroff },
};

static int cmd_help(struct monitor_ctx *m, int argc, char **argv)
{
	(void)m, (void)argc, (void)argv;
	printk_raw("commands (arrow keys: history; Ctrl-U: erase the line):\n");
	for (unsigned i = 0; i < ARRAY_SIZE(commands); i++) {
		char head[40];
		snprintf(head, sizeof(head), "%s %s", commands[i].name, commands[i].args);
		printk_raw("  %-26s %s\n", head, commands[i].help);
	}
	return 0;
}

void monitor_run(struct ktest_totals *tot)
{
	static char line[MONITOR_LINE_CAP];
	struct monitor_ctx m = { .tot = tot };
	printk_raw("monitor: type help for the commands\n");
	while (!m.poweroff) {
		reap_background(&m);
		monitor_out(PROMPT);
		monitor_read_line(line);
		char *argv[MAX_ARGS];
		int argc = monitor_split(line, argv, MAX_ARGS);
		if (argc < 0) {
			printk_raw("monitor: more than %d words\n", MAX_ARGS);
			continue;
		}
		if (!argc)
			continue;
		unsigned i;
		for (i = 0; i < ARRAY_SIZE(commands); i++)
			if (!strcmp(argv[0], commands[i].name))
				break;
		if (i == ARRAY_SIZE(commands)) {
			printk_raw("monitor: no command '%s' (help lists them)\n", argv[0]);
			continue;
		}
		const struct command *c = &commands[i];
		if (argc - 1 < c->min_args || argc - 1 > c->max_args) {
			printk_raw("monitor: usage: %s %s\n", c->name, c->args);
			continue;
		}
		c->fn(&m, argc, argv);
	}
	end_background(&m);
	printk_raw("monitor: powering off\n");
}
