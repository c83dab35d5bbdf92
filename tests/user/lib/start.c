/* From crt0.S to main(): find argc, argv, envp and the auxiliary vector on the stack the kernel
 * built (docs/user.md, "The stack at entry"); in a static PIE, first apply its own relocations,
 * before anything reads a pointer stored in data. */
#include "user.h"

const ulong *user_auxv;

__attribute__((noreturn)) void sys_exit_group(int status)
{
	for (;;)
		syscall1(SYS_exit_group, status);
}

ulong getauxval(ulong type)
{
	for (const ulong *a = user_auxv; a && a[0]; a += 2)
		if (a[0] == type)
			return a[1];
	return 0;
}

#ifdef __PIE__
/* A static PIE is linked at 0 and loaded anywhere: the words that hold addresses are listed in
 * its .rela.dyn as R_*_RELATIVE relocations, to which the load base is added. This runs before
 * any of them is used, and uses none itself: the symbols below are hidden, so they are reached
 * relative to the code (or, on ppc64, to the TOC pointer crt0.S computed the same way). */
#if defined(__x86_64__)
#define R_RELATIVE 8
#elif defined(__aarch64__)
#define R_RELATIVE 1027
#elif defined(__powerpc64__)
#define R_RELATIVE 22
#endif
#define DT_NULL 0
#define DT_RELA 7
#define DT_RELASZ 8
#define DT_RELAENT 9

struct dyn { long tag; ulong val; };
struct rela { ulong offset, info; long addend; };
extern const struct dyn _DYNAMIC[] __attribute__((visibility("hidden")));
extern const char __ehdr_start[] __attribute__((visibility("hidden")));

static void relocate(void)
{
	ulong base = (ulong)__ehdr_start;   /* the ELF header is at link address 0 */
	ulong rela = 0, size = 0, ent = sizeof(struct rela);
	for (const struct dyn *d = _DYNAMIC; d->tag != DT_NULL; d++) {
		if (d->tag == DT_RELA)
			rela = d->val + base;
		else if (d->tag == DT_RELASZ)
			size = d->val;
		else if (d->tag == DT_RELAENT)
			ent = d->val;
	}
	for (ulong off = 0; rela && off + ent <= size; off += ent) {
		const struct rela *r = (const struct rela *)(rela + off);
		if ((r->info & 0xffffffff) != R_RELATIVE) {
			static const char msg[] = "start: a relocation other than RELATIVE\n";
			syscall3(SYS_write, 2, msg, sizeof(msg) - 1);
			sys_exit_group(127);
		}
		*(ulong *)(r->offset + base) = r->addend + base;
	}
}
#endif

__attribute__((noreturn, used)) void __start_c(long *sp)
{
#ifdef __PIE__
	relocate();
#endif
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	char **e = envp;
	while (*e)
		e++;
	user_auxv = (const ulong *)(e + 1);
	sys_exit_group(main(argc, argv, envp));
}
