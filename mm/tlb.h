/* TLB maintenance for kernel mappings on every CPU: the hardware's broadcast invalidation where
 * the arch has it (ARCH_HAS_TLB_BROADCAST: ppc64, arm64), otherwise (x86) a shootdown: an IPI
 * to every other online CPU, each flushing locally, the caller waiting for all. The batching
 * interface for user address spaces builds on this. */
#ifndef MM_TLB_H
#define MM_TLB_H

#include "kernel/types.h"

/* Flush [va, va+size) of the kernel's address space everywhere: the translations of leaves of
 * every level up to max_level that overlapped it (pt_unmap and pt_protect say which level was
 * the largest they removed, changed or split). Interrupts must be enabled when other CPUs are
 * online. */
void tlb_flush_kernel_range(uintptr_t va, u64 size, int max_level);

#endif
