/* The console: the hypervisor's virtual terminal through H_PUT_TERM_CHAR / H_GET_TERM_CHAR
 * (PAPR 14.5.4.5). Terminal number 0 is QEMU's default vty. Characters travel packed big-endian
 * in two registers, the first character in the most significant byte. Callers serialise. */
#include "arch/ppc64/ppc64.h"

#define VTERM 0

static void put_chars(const char *s, unsigned n)
{
	u64 hi = 0;
	for (unsigned i = 0; i < n; i++)
		hi |= (u64)(u8)s[i] << (56 - 8 * i);
	ppc64_hcall(H_PUT_TERM_CHAR, VTERM, n, hi, 0, 0, 0);
}

void arch_console_putc(char c)
{
	if (c == '\n')
		put_chars("\r\n", 2);
	else
		put_chars(&c, 1);
}

/* H_GET_TERM_CHAR returns up to 16 characters at once: keep the ones not yet asked for. */
static u8 rx_buf[16];
static unsigned rx_len, rx_pos;

int arch_console_getc(void)
{
	if (rx_pos == rx_len) {
		u64 ret[4];
		long status = ppc64_hcall_ret(ret, H_GET_TERM_CHAR, VTERM, 0, 0, 0, 0);
		if (status != H_SUCCESS || !ret[0])
			return -1;
		rx_len = ret[0] > 16 ? 16 : (unsigned)ret[0];
		for (unsigned i = 0; i < rx_len; i++)
			rx_buf[i] = (u8)(ret[1 + i / 8] >> (56 - 8 * (i % 8)));
		rx_pos = 0;
	}
	return rx_buf[rx_pos++];
}
