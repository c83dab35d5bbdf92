/* The boot console: an Arm PL011 UART (PrimeCell UART TRM, DDI 0183), polled, at the address
 * the device tree's stdout-path names, mapped through the fixmap so it works from the first line
 * of arm64_boot() and across mm_init's switch of page tables. Characters before it is set up are
 * dropped. */
#include "arch/arm64/arm64.h"

#define UART_DR    0x00   /* data */
#define UART_FR    0x18   /* flags: bit 5 TXFF (transmit FIFO full), bit 4 RXFE (receive empty) */
#define UART_LCR_H 0x2c   /* line control: bit 4 FEN (FIFOs), bits 6:5 WLEN (3 = 8 bits) */
#define UART_CR    0x30   /* control: bit 0 UARTEN, bit 8 TXE, bit 9 RXE */
#define UART_IMSC  0x38   /* interrupt mask: 0 = none */

#define FR_TXFF    (1u << 5)
#define FR_RXFE    (1u << 4)

static volatile u8 *uart;

/* The baud rate stays as the firmware set it (QEMU ignores it): its clock is not ours to know. */
void __init arm64_console_init(phys_addr_t pa)
{
	volatile u8 *u = arm64_fixmap_set(FIX_CONSOLE, pa);
	mmio_write32(u + UART_IMSC, 0);
	mmio_write32(u + UART_LCR_H, (3u << 5) | (1u << 4));
	mmio_write32(u + UART_CR, (1u << 0) | (1u << 8) | (1u << 9));
	uart = u;
}

static void uart_put(char c)
{
	for (int spin = 0; spin < 1000000 && (mmio_read32(uart + UART_FR) & FR_TXFF); spin++)
		arch_cpu_relax();
	mmio_write32(uart + UART_DR, (u8)c);
}

void arch_console_putc(char c)
{
	if (!uart)
		return;
	if (c == '\n')
		uart_put('\r');
	uart_put(c);
}

int arch_console_getc(void)
{
	if (!uart || (mmio_read32(uart + UART_FR) & FR_RXFE))
		return -1;
	return (int)(mmio_read32(uart + UART_DR) & 0xff);
}
