/* printk formatting and the boot-parameter parser, as built for the kernel (freestanding). The
 * host tests compare the same code with the C library in more detail. */
#include "kernel/ktest.h"
#include "kernel/param.h"
#include "kernel/printk.h"
#include "lib/printf.h"
#include "lib/string.h"

#define EXPECT_FMT(t, want, ...)                                                        \
	do {                                                                            \
		char _b[128];                                                           \
		snprintf(_b, sizeof(_b), __VA_ARGS__);                                 \
		if (strcmp(_b, want))                                                   \
			ktest_fail(t, __FILE__, __LINE__, "format %s: got \"%s\", want \"%s\"", \
				   #__VA_ARGS__, _b, want);                              \
	} while (0)

KTEST(printk, formats)
{
	EXPECT_FMT(t, "42 -7 4000000000", "%d %i %u", 42, -7, 4000000000u);
	EXPECT_FMT(t, "-9223372036854775808", "%ld", (long)(-9223372036854775807l - 1));
	EXPECT_FMT(t, "ff FF 0xff 777", "%x %X %#x %o", 255u, 255u, 255u, 0777u);
	EXPECT_FMT(t, "[   42] [42   ] [00042] [+42]", "[%5d] [%-5d] [%05d] [%+d]", 42, 42, 42, 42);
	EXPECT_FMT(t, "[-0042]", "[%05d]", -42);
	EXPECT_FMT(t, "[  abc] [ab]", "[%5s] [%.2s]", "abc", "abc");
	EXPECT_FMT(t, "0x00000000deadbeef", "%p", (void *)0xdeadbeef);
	EXPECT_FMT(t, "12345 18446744073709551615", "%zu %lu", (size_t)12345, ~0ul);
	EXPECT_FMT(t, "x 100%", "%c %d%%", 'x', 100);
	char small[4];
	KEXPECT_EQ(t, snprintf(small, sizeof(small), "%s", "abcdef"), 6);
	KEXPECT(t, !strcmp(small, "abc"));
}

static bool p_flag;
static s64 p_num = 3;
static char p_list[24] = "x";
static const struct kparam table[] = {
	{ .name = "k.flag", .type = PARAM_BOOL, .var = &p_flag, .doc = "" },
	{ .name = "k.num", .type = PARAM_INT, .var = &p_num, .min = -5, .max = 5, .doc = "" },
	{ .name = "k.list", .type = PARAM_LIST, .var = p_list, .cap = sizeof(p_list), .doc = "" },
};

static int apply(const char *cmdline)
{
	return params_apply(table, table + ARRAY_SIZE(table), cmdline);
}

KTEST(param, good_values)
{
	KEXPECT_EQ(t, apply("k.flag k.num=-5 k.list=a,b"), 0);
	KEXPECT(t, p_flag);
	KEXPECT_EQ(t, p_num, -5);
	KEXPECT(t, !strcmp(p_list, "a,b"));
	KEXPECT_EQ(t, apply("k.flag=0 k.num=0x5"), 0);
	KEXPECT(t, !p_flag);
	KEXPECT_EQ(t, p_num, 5);
}

KTEST(param, bad_values)
{
	KEXPECT_EQ(t, apply("k.num=1 k.list=a,b"), 0);
	printk_raw("        # the parameter errors below are expected\n");
	KEXPECT_EQ(t, apply("k.num=6"), 1);
	KEXPECT_EQ(t, apply("k.num=five"), 1);
	KEXPECT_EQ(t, apply("k.flag=2"), 1);
	KEXPECT_EQ(t, apply("k.list=a,,b"), 1);
	KEXPECT_EQ(t, apply("k.nosuch=1 k.num=1"), 1);
	KEXPECT_EQ(t, p_num, 1);
	KEXPECT(t, !strcmp(p_list, "a,b"));
}
