/* x86_64's half of ktest_mm.h's mt_frame_irqs_on: RFLAGS.IF (SDM vol. 1, 3.4.3). */
#include "tests/kernel/ktest_mm.h"
#include "lib/string.h"

void mt_frame_irqs_on(struct trap_frame *f)
{
	memset(f, 0, sizeof(*f));
	f->rflags = 1ul << 9;
}
