/* What the host port offers host programs beyond the arch contract (arch/arch.h). */
#ifndef ARCH_HOST_HOST_H
#define ARCH_HOST_HOST_H

#include "arch/arch.h"

/* Allocate the block that stands in for physical memory (host_ram, arch_defs.h). */
void host_ram_init(unsigned long bytes);
/* Called, if set, by the host's arch_tlb_flush_page_broadcast: the page-table walker's
 * break-before-make flushes there (ARCH_NEEDS_BREAK_BEFORE_MAKE), and tests watch it. */
extern void (*host_tlb_flush_hook)(uintptr_t va, int level);

#endif
