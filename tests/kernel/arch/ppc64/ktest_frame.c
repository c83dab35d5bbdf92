/* ppc64's half of ktest_mm.h's mt_frame_irqs_on: SRR1's MSR[EE]. */
#include "tests/kernel/ktest_mm.h"
#include "lib/string.h"

void mt_frame_irqs_on(struct trap_frame *f)
{
	memset(f, 0, sizeof(*f));
	f->msr = MSR_EE;
}
