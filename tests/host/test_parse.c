/* Number parsing (lib/string.c) and the boot-parameter parser (kernel/param.c). */
#include "tests/host/host.h"
#include "kernel/errno.h"
#include "kernel/param.h"

static s64 num(const char *s, int *err)
{
	s64 v = -777;
	*err = parse_s64(s, strlen(s), true, &v);
	return v;
}

static void test_parse_s64(void)
{
	int err;
	CHECK_EQ(num("0", &err), 0); CHECK_EQ(err, 0);
	CHECK_EQ(num("42", &err), 42); CHECK_EQ(err, 0);
	CHECK_EQ(num("-17", &err), -17); CHECK_EQ(err, 0);
	CHECK_EQ(num("0x1F", &err), 31); CHECK_EQ(err, 0);
	CHECK_EQ(num("0b101", &err), 5); CHECK_EQ(err, 0);
	CHECK_EQ(num("010", &err), 8); CHECK_EQ(err, 0);
	CHECK_EQ(num("4K", &err), 4096); CHECK_EQ(err, 0);
	CHECK_EQ(num("2M", &err), 2 << 20); CHECK_EQ(err, 0);
	CHECK_EQ(num("3g", &err), 3ll << 30); CHECK_EQ(err, 0);
	CHECK_EQ(num("9223372036854775807", &err), 9223372036854775807ll); CHECK_EQ(err, 0);
	CHECK_EQ(num("-9223372036854775808", &err), (s64)(1ull << 63)); CHECK_EQ(err, 0);
	num("9223372036854775808", &err); CHECK_EQ(err, -ERANGE);
	num("9000000000G", &err); CHECK_EQ(err, -ERANGE);
	num("", &err); CHECK_EQ(err, -EINVAL);
	num("-", &err); CHECK_EQ(err, -EINVAL);
	num("0x", &err); CHECK_EQ(err, -EINVAL);
	num("12a", &err); CHECK_EQ(err, -EINVAL);
	num("08", &err); CHECK_EQ(err, -EINVAL);
	num("K", &err); CHECK_EQ(err, -EINVAL);
	num(" 1", &err); CHECK_EQ(err, -EINVAL);
}

static bool flag;
static s64 count = 5;
static char name[16] = "default";
static char items[32] = "a";
static char pick[16] = "one";
static const char *const picks[] = { "one", "two", NULL };
static s64 secs = 2000;   /* thousandths */
static const struct kparam table[] = {
	{ .name = "t.flag", .type = PARAM_BOOL, .var = &flag, .doc = "" },
	{ .name = "t.count", .type = PARAM_INT, .var = &count, .min = 1, .max = 100, .doc = "" },
	{ .name = "t.name", .type = PARAM_STRING, .var = name, .cap = sizeof(name), .doc = "" },
	{ .name = "t.items", .type = PARAM_LIST, .var = items, .cap = sizeof(items), .doc = "" },
	{ .name = "t.pick", .type = PARAM_STRING, .var = pick, .cap = sizeof(pick),
	  .choices = picks, .doc = "" },
	{ .name = "t.secs", .type = PARAM_MILLI, .var = &secs, .min = 1, .max = 3600000,
	  .doc = "" },
};

static int apply(const char *cmdline)
{
	return params_apply(table, table + ARRAY_SIZE(table), cmdline);
}

static void test_params(void)
{
	CHECK_EQ(apply(""), 0);
	CHECK_EQ(apply("   "), 0);
	CHECK_EQ(apply("t.flag"), 0); CHECK(flag);
	CHECK_EQ(apply("t.flag=off"), 0); CHECK(!flag);
	CHECK_EQ(apply("t.flag=yes t.count=0x10"), 0); CHECK(flag); CHECK_EQ(count, 16);
	CHECK_EQ(apply("t.name=\"two words\""), 0); CHECK(!strcmp(name, "two words"));
	CHECK_EQ(apply("t.items=rcu,lock,mm"), 0); CHECK(!strcmp(items, "rcu,lock,mm"));

	/* Every error counts, names the parameter, and leaves the variable as it was. */
	CHECK_EQ(apply("foo.bar=1"), 1);
	CHECK_EQ(apply("t.count=101"), 1); CHECK_EQ(count, 16);
	CHECK_EQ(apply("t.count=0"), 1);
	CHECK_EQ(apply("t.count=ten"), 1);
	CHECK_EQ(apply("t.count"), 1);
	CHECK_EQ(apply("t.flag=maybe"), 1); CHECK(flag);
	CHECK_EQ(apply("t.name=waytoolongforthebuffer"), 1); CHECK(!strcmp(name, "two words"));
	CHECK_EQ(apply("t.name="), 1);
	CHECK_EQ(apply("t.items=a,,b"), 1);
	CHECK_EQ(apply("t.items=,a"), 1);
	CHECK_EQ(apply("t.items=a,"), 1); CHECK(!strcmp(items, "rcu,lock,mm"));
	CHECK_EQ(apply("t.name=\"unterminated"), 1);
	CHECK_EQ(apply("t.count=3 bogus t.flag=0 x.y=2"), 2); CHECK_EQ(count, 3); CHECK(!flag);
	/* A choice: only its values, whole words. */
	CHECK_EQ(apply("t.pick=two"), 0); CHECK(!strcmp(pick, "two"));
	CHECK_EQ(apply("t.pick=three"), 1); CHECK(!strcmp(pick, "two"));
	CHECK_EQ(apply("t.pick=tw"), 1);
	CHECK_EQ(apply("t.pick=one"), 0); CHECK(!strcmp(pick, "one"));
	/* A decimal in thousandths: up to three places, not negative, within its range. */
	CHECK_EQ(apply("t.secs=0.25"), 0); CHECK_EQ(secs, 250);
	CHECK_EQ(apply("t.secs=3"), 0); CHECK_EQ(secs, 3000);
	CHECK_EQ(apply("t.secs=0.001"), 0); CHECK_EQ(secs, 1);
	CHECK_EQ(apply("t.secs=12.5"), 0); CHECK_EQ(secs, 12500);
	CHECK_EQ(apply("t.secs=3600"), 0); CHECK_EQ(secs, 3600000);
	CHECK_EQ(apply("t.secs=3600.001"), 1);
	CHECK_EQ(apply("t.secs=0"), 1);
	CHECK_EQ(apply("t.secs=0.0001"), 1);
	CHECK_EQ(apply("t.secs=-1"), 1);
	CHECK_EQ(apply("t.secs=1."), 1);
	CHECK_EQ(apply("t.secs=1.2.3"), 1);
	CHECK_EQ(apply("t.secs=."), 1);
	CHECK_EQ(apply("t.secs=2s"), 1);
	CHECK_EQ(apply("t.secs=99999999999999999999"), 1);
	CHECK_EQ(apply("t.secs"), 1); CHECK_EQ(secs, 3600000);

	const char *cur = "rcu,lock,mm";
	char item[8];
	CHECK(param_list_next(&cur, item, sizeof(item))); CHECK(!strcmp(item, "rcu"));
	CHECK(param_list_next(&cur, item, sizeof(item))); CHECK(!strcmp(item, "lock"));
	CHECK(param_list_next(&cur, item, sizeof(item))); CHECK(!strcmp(item, "mm"));
	CHECK(!param_list_next(&cur, item, sizeof(item)));
}

int main(void)
{
	test_parse_s64();
	test_params();
	return host_test_done("parse");
}
