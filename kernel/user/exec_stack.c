/* Building the initial user stack (exec_stack.h), top down as Linux does it
 * (fs/exec.c and fs/binfmt_elf.c, create_elf_tables): an 8-byte zero end marker, the AT_EXECFN
 * string, the envp strings, the argv strings; then, 16-byte aligned, the AT_PLATFORM string and
 * the 16 AT_RANDOM bytes; then the words argc, argv[], NULL, envp[], NULL, auxv pairs ending
 * with AT_NULL, placed so that argc's address is a multiple of 16. Every write goes through
 * put(), which checks it against the buffer. */
#include "kernel/user/exec_stack.h"
#include "kernel/user/elf.h"
#include "kernel/compiler.h"
#include "kernel/errno.h"
#include "lib/string.h"

#define MAX_AUXV 40

/* The n strings of v (NULL-terminated; v may be NULL): how many, and their bytes with NULs.
 * -E2BIG for one too long or too many. */
static int measure(const char *const *v, unsigned *n, u64 *bytes)
{
	u64 i = 0, total = 0;
	for (; v && v[i]; i++) {
		size_t len = strnlen(v[i], EXEC_MAX_ARG_STRLEN);
		if (i >= EXEC_MAX_ARG_STRINGS || len >= EXEC_MAX_ARG_STRLEN)
			return -E2BIG;
		total += len + 1;
	}
	*n = (unsigned)i;
	*bytes = total;
	return 0;
}

int exec_stack_build(void *buf, size_t cap, u64 top, const struct exec_stack_args *a,
		     struct exec_stack *out)
{
	static const char *const empty_argv[] = { "", NULL };
	const char *const *argv = a->argv && a->argv[0] ? a->argv : empty_argv;
	const struct elf_image *im = a->image;
	unsigned argc, envc;
	u64 arg_bytes, env_bytes;
	int err;

	if (!IS_ALIGNED(top, 16) || !a->random || !a->execfn || !im)
		return -EINVAL;
	u64 base = cap > top ? 0 : top - cap;   /* buf[0] stands for this address */
#define AT(addr) ((u8 *)buf + ((addr) - base))   /* the byte of buf that stands for addr */
	if ((err = measure(argv, &argc, &arg_bytes)) || (err = measure(a->envp, &envc, &env_bytes)))
		return err;
	size_t fn_len = strnlen(a->execfn, EXEC_MAX_ARG_STRLEN);
	size_t plat_len = a->platform ? strnlen(a->platform, EXEC_MAX_ARG_STRLEN) : 0;
	if (fn_len >= EXEC_MAX_ARG_STRLEN || plat_len >= EXEC_MAX_ARG_STRLEN ||
	    a->nr_arch_auxv > MAX_AUXV - 24)
		return -E2BIG;

	/* Where everything goes, top down; each step checked against base before any write. */
	u64 room = top - base, used = 8 + fn_len + 1;
	if (arg_bytes > room || env_bytes > room || used + arg_bytes + env_bytes > room)
		return -E2BIG;
	used += arg_bytes + env_bytes;
	u64 strings = top - used;                         /* argv strings, then envp strings */
	u64 p = ALIGN_DOWN(strings, 16) - (a->platform ? plat_len + 1 : 0) - 16;
	if (strings - p > room - used)
		return -E2BIG;
	u64 platform = p + 16, random = p;

	u64 aux[MAX_AUXV][2];
	unsigned na = 0;
	for (unsigned i = 0; i < a->nr_arch_auxv; i++, na++)
		aux[na][0] = a->arch_auxv[i][0], aux[na][1] = a->arch_auxv[i][1];
#define AUX(t, v) (aux[na][0] = (t), aux[na][1] = (v), na++)
	if (a->has_hwcap)
		AUX(AT_HWCAP, a->hwcap);
	AUX(AT_PAGESZ, a->page_size);
	AUX(AT_CLKTCK, EXEC_CLKTCK);
	AUX(AT_PHDR, im->phdr_addr);
	AUX(AT_PHENT, im->phent);
	AUX(AT_PHNUM, im->phnum);
	AUX(AT_BASE, 0);   /* no interpreter */
	AUX(AT_FLAGS, 0);
	AUX(AT_ENTRY, im->entry);
	AUX(AT_UID, 0);
	AUX(AT_EUID, 0);
	AUX(AT_GID, 0);
	AUX(AT_EGID, 0);
	AUX(AT_SECURE, 0);
	AUX(AT_RANDOM, random);
	if (a->has_hwcap2)
		AUX(AT_HWCAP2, a->hwcap2);
	AUX(AT_EXECFN, top - 8 - fn_len - 1);
	if (a->platform)
		AUX(AT_PLATFORM, platform);
	AUX(AT_NULL, 0);
#undef AUX

	/* argc, argv[], NULL, envp[], NULL, the pairs: argc's address rounded down to 16. */
	u64 words = 1 + (u64)argc + 1 + (u64)envc + 1 + 2ull * na;
	if (words > (p - base) / 8)
		return -E2BIG;
	u64 sp = ALIGN_DOWN(p - words * 8, 16);
	if (sp < base)
		return -E2BIG;

	/* Everything fits: write it. */
	memset(AT(top - 8), 0, 8);
	memcpy(AT(top - 8 - fn_len - 1), a->execfn, fn_len + 1);
	u64 w = sp, str = strings, v;
	memcpy(AT(w), &(u64){ argc }, 8);
	w += 8;
	for (unsigned i = 0; i < argc; i++, w += 8) {
		size_t n = strlen(argv[i]) + 1;
		memcpy(AT(str), argv[i], n);
		memcpy(AT(w), &str, 8);
		str += n;
	}
	v = 0;
	memcpy(AT(w), &v, 8);
	w += 8;
	out->envp = w;
	for (unsigned i = 0; i < envc; i++, w += 8) {
		size_t n = strlen(a->envp[i]) + 1;
		memcpy(AT(str), a->envp[i], n);
		memcpy(AT(w), &str, 8);
		str += n;
	}
	memcpy(AT(w), &v, 8);
	w += 8;
	out->auxv = w;
	memcpy(AT(w), aux, na * 16);
	if (a->platform)
		memcpy(AT(platform), a->platform, plat_len + 1);
	memcpy(AT(random), a->random, 16);

#undef AT
	out->sp = sp;
	out->argv = sp + 8;
	out->random = random;
	out->execfn = top - 8 - fn_len - 1;
	out->argc = argc;
	out->envc = envc;
	out->nr_auxv = na;
	out->size = top - sp;
	return 0;
}
