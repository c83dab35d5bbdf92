/* RTAS, the firmware runtime services (PAPR chapter 7), and power-off through them.
 * QEMU implements RTAS as the private hcall KVMPPC_H_RTAS with the real address of an argument
 * buffer of big-endian 32-bit cells: token, nargs, nret, args..., rets... (rets[0] = status).
 * Tokens come from the /rtas node, written once at boot. Each CPU has its own buffer and QEMU
 * runs the calls one at a time, so there is no lock: a lock would stay held for ever by a CPU
 * whose stop-self (which never returns) raced with the panicking CPU's power-off. */
#include "arch/ppc64/ppc64.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "lib/fdt.h"
#include "lib/string.h"

struct rtas_args {
	u32 token, nargs, nret;
	u32 cells[16];   /* args, then rets */
};

struct rtas_buf {
	struct rtas_args args;
} __aligned(16);
static DEFINE_PER_CPU(struct rtas_buf, rtas_bufs);

static struct {
	const char *name;
	u32 token;
} services[] = {
	{ "power-off", 0 }, { "ibm,os-term", 0 }, { "start-cpu", 0 }, { "stop-self", 0 },
	{ "query-cpu-stopped-state", 0 }, { "system-reboot", 0 },
};

static u32 token_of(const char *service)
{
	for (unsigned i = 0; i < ARRAY_SIZE(services); i++)
		if (!strcmp(services[i].name, service))
			return services[i].token;
	return 0;
}

void __init ppc64_rtas_init(const void *blob)
{
	struct fdt f;
	if (fdt_open(&f, blob, fdt_be32((const u8 *)blob + 4)) < 0)
		return;
	int rtas = fdt_path(&f, "/rtas");
	for (unsigned i = 0; i < ARRAY_SIZE(services) && rtas >= 0; i++)
		fdt_prop_u32(&f, rtas, services[i].name, &services[i].token);
	/* Said here, once: a parked CPU has no per-CPU area, so it cannot print. */
	if (!token_of("stop-self"))
		pr_warn("ppc64: RTAS has no stop-self: a CPU given up on at start-up that answers "
			"late will spin with interrupts off instead of stopping\n");
}

/* One call through buffer a; the caller keeps a to itself. rets gets rets[1..] (after the
 * status), which is returned. */
static int call_with(struct rtas_args *a, u32 token, int nargs, int nret, const u32 *args,
		     u32 *rets)
{
	a->token = cpu_to_be32(token);
	a->nargs = cpu_to_be32((u32)nargs);
	a->nret = cpu_to_be32((u32)nret);
	for (int i = 0; i < nargs; i++)
		a->cells[i] = cpu_to_be32(args[i]);
	for (int i = 0; i < nret; i++)
		a->cells[nargs + i] = 0;
	ppc64_hcall(KVMPPC_H_RTAS, arch_image_virt_to_phys((uintptr_t)a), 0, 0, 0, 0, 0);
	for (int i = 1; i < nret && rets; i++)
		rets[i - 1] = be32_to_cpu(a->cells[nargs + i]);
	return (int)be32_to_cpu(a->cells[nargs]);
}

int ppc64_rtas_call(const char *service, int nargs, int nret, u32 *rets, ...)
{
	u32 token = token_of(service), args[16];
	if (!token || nargs + nret > 16 || nret < 1)
		return -1;
	va_list ap;
	va_start(ap, rets);
	for (int i = 0; i < nargs; i++)
		args[i] = va_arg(ap, u32);
	va_end(ap);
	unsigned long flags = arch_irq_save();   /* stay on this CPU, with its buffer */
	struct rtas_args *buf = &per_cpu_ptr(&rtas_bufs, ppc64_area()->cpu)->args;
	int status = call_with(buf, token, nargs, nret, args, rets);
	arch_irq_restore(flags);
	return status;
}

/* A CPU that lost its start-up handshake has no per-CPU area, hence no rtas_bufs slot: it
 * stops itself through a buffer of its start attempt's. QEMU's stop-self halts the CPU for good
 * (until a start-cpu that nobody sends). Without the service (ppc64_rtas_init said so at boot), or
 * should it return, the CPU spins with interrupts off. */
static struct rtas_args park_bufs[MAX_CPUS] __aligned(16);

__noreturn void arch_cpu_park(struct cpu_start *s)
{
	arch_irq_disable();   /* head.S left them off; the contract wants them off on any path */
	u32 token = token_of("stop-self");
	if (token)
		call_with(&park_bufs[s->attempt], token, 0, 1, NULL, NULL);
	for (;;)
		arch_cpu_relax();
}

/* Pass: RTAS power-off, and QEMU exits with status 0. Fail: ibm,os-term, which QEMU reports as a
 * guest panic; with -action panic=exit-failure it exits with status 1 (tools/qemu-run). */
__noreturn void arch_power_off(int status)
{
	static const char msg[] = "faultline: the run failed (see the console)";
	arch_irq_disable();
	if (status == 0)
		ppc64_rtas_call("power-off", 2, 1, NULL, 0xffffffffu, 0xffffffffu);
	else
		ppc64_rtas_call("ibm,os-term", 1, 1, NULL,
				(u32)arch_image_virt_to_phys((uintptr_t)msg));
	arch_halt_forever();
}
