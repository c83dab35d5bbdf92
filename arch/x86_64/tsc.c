/* The TSC is the cycle counter. Its frequency is measured once at boot against the PIT's channel
 * 2 (1.193182 MHz), gated through port 0x61 so no interrupt is involved: count down 50 ms of PIT
 * ticks in mode 0 and read the TSC on both sides. Under TCG the result is the emulated rate. */
#include "arch/x86_64/x86.h"

#define PIT_HZ 1193182u
#define CAL_MS 50u

static u64 tsc_hz;

u64 arch_cycle_freq(void) { return tsc_hz; }

void __init x86_tsc_calibrate(void)
{
	u32 ticks = PIT_HZ * CAL_MS / 1000;   /* 59659: fits the 16-bit counter */
	u8 gate = inb(0x61);

	outb(0x61, (gate & ~0x02) | 0x01);    /* speaker off, gate channel 2 on */
	outb(0x43, 0xb0);                     /* channel 2, lobyte/hibyte, mode 0 */
	outb(0x42, ticks & 0xff);
	outb(0x42, ticks >> 8);
	u64 t0 = arch_cycles();
	for (u64 spin = 0; !(inb(0x61) & 0x20); spin++)
		if (spin > (1ull << 32))
			break;                /* no PIT: fall back below */
	u64 t1 = arch_cycles();
	outb(0x61, gate);
	tsc_hz = (t1 - t0) * 1000 / CAL_MS;
	if (tsc_hz < 1000000)
		tsc_hz = 1000000000;          /* implausible: assume 1 GHz, reported at boot */
}
