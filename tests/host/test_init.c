/* The init program's arguments: kernel/param.c stops at a "--" standing alone (what follows is
 * not a parameter, so no unknown-parameter error), and kernel/user/init.c splits what follows
 * into argv, as Linux does, with "double quotes" holding blanks. */
#include "tests/host/host.h"
#include "kernel/param.h"
#include "kernel/user/init.h"

static s64 count = 5;
static const struct kparam table[] = {
	{ .name = "t.count", .type = PARAM_INT, .var = &count, .min = 1, .max = 100, .doc = "" },
};

static void check_argv(const char *cmdline, int problems, int argc, const char *const *want)
{
	const char *const *argv;
	host_checks++;
	int got = user_init_setup(cmdline);
	int n = user_init_argv(&argv);
	bool same = got == problems && n == argc && argv[n] == NULL &&
		    !strcmp(argv[0], user_init_path());
	for (int i = 1; same && i < argc; i++)
		same = !strcmp(argv[i], want[i - 1]);
	if (!same) {
		host_failures++;
		fprintf(stderr, "'%s': %d problems, argc %d (expected %d, %d):", cmdline, got, n,
			problems, argc);
		for (int i = 0; i < n; i++)
			fprintf(stderr, " [%s]", argv[i]);
		fprintf(stderr, "\n");
	}
}

int main(void)
{
	const struct kparam *end = table + ARRAY_SIZE(table);
	/* The parameters end at "--": nothing after it is one, known or not. */
	CHECK_EQ(params_apply(table, end, "t.count=7 -- t.count=9 foo.bar=1 x"), 0);
	CHECK_EQ(count, 7);
	CHECK_EQ(params_apply(table, end, "foo.bar=1 -- a"), 1);
	CHECK_EQ(params_apply(table, end, "t.count=8 --"), 0);
	CHECK_EQ(count, 8);
	/* Only a "--" standing alone: "--x", "x--" and a quoted value are parameters (unknown). */
	CHECK_EQ(params_apply(table, end, "--x -- y"), 1);
	CHECK_EQ(params_apply(table, end, "a--"), 1);
	CHECK(params_after_dashes("a=\" -- \" b") == NULL);
	const char *rest = params_after_dashes("t.count=1 -- one two");
	CHECK(rest && !strcmp(rest, " one two"));
	CHECK(params_after_dashes("--") && !*params_after_dashes("--"));

	CHECK(!strcmp(user_init_path(), USER_INIT_DEFAULT) && !user_init_given());
	check_argv("test=all", 0, 1, NULL);
	check_argv("test=all --", 0, 1, NULL);
	check_argv("test=all --   ", 0, 1, NULL);
	const char *const two[] = { "a", "b=c" };
	check_argv("init=/x -- a b=c", 0, 3, two);
	const char *const quoted[] = { "hello world", "x", "a b=c d", "" };
	check_argv("-- \"hello world\" x \"a b\"=c\" d\" \"\"", 0, 5, quoted);
	const char *const dashes[] = { "--", "-v" };
	check_argv("-- -- -v", 0, 3, dashes);   /* a second "--" is init's */
	check_argv("-- \"open", 1, 2, (const char *const[]){ "open" });
	char many[512] = "--";
	for (int i = 0; i < USER_INIT_MAX_ARGS; i++)
		strcat(many, " w");
	const char *ws[USER_INIT_MAX_ARGS];
	for (int i = 0; i < USER_INIT_MAX_ARGS; i++)
		ws[i] = "w";
	check_argv(many, 0, USER_INIT_MAX_ARGS + 1, ws);
	strcat(many, " w");
	check_argv(many, 1, USER_INIT_MAX_ARGS + 1, ws);
	const char *const *envp;
	CHECK_EQ(user_init_envp(&envp), 2);
	CHECK(!strcmp(envp[0], "HOME=/") && !strcmp(envp[1], "TERM=linux") && !envp[2]);
	return host_test_done("init");
}
