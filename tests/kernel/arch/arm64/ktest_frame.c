/* arm64's half of ktest_mm.h's mt_frame_irqs_on: SPSR_EL1.I clear (interrupts unmasked). */
#include "tests/kernel/ktest_mm.h"
#include "lib/string.h"

void mt_frame_irqs_on(struct trap_frame *f)
{
	memset(f, 0, sizeof(*f));
}
