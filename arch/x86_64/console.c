/* COM1 (a 16550 UART at I/O port 0x3f8): 115200 baud, 8N1, polled. */
#include "arch/x86_64/x86.h"

#define COM1 0x3f8
#define UART_THR 0   /* transmit holding (DLAB=0) */
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5   /* bit 0: data ready, bit 5: transmit holding register empty */

void __init x86_console_init(void)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x80);   /* DLAB: divisor follows */
	outb(COM1 + 0, 0x01);          /* divisor 1 = 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + UART_LCR, 0x03);   /* 8 bits, no parity, one stop bit */
	outb(COM1 + UART_FCR, 0xc7);   /* FIFOs on and cleared */
	outb(COM1 + UART_MCR, 0x03);   /* DTR, RTS */
}

static void uart_put(char c)
{
	for (int spin = 0; spin < 100000 && !(inb(COM1 + UART_LSR) & 0x20); spin++)
		arch_cpu_relax();
	outb(COM1 + UART_THR, (u8)c);
}

void arch_console_putc(char c)
{
	if (c == '\n')
		uart_put('\r');
	uart_put(c);
}

int arch_console_getc(void)
{
	if (!(inb(COM1 + UART_LSR) & 0x01))
		return -1;
	return inb(COM1 + UART_THR);
}
