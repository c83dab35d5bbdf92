/* The arch contract's constants and types on plain memory, for tests/host/. "Physical memory" is
 * one malloc'd block (host_ram) and physical address 0 is its first byte; the vmemmap is another
 * block. The functions are in arch_inline.h. */
#ifndef ARCH_HOST_ARCH_DEFS_H
#define ARCH_HOST_ARCH_DEFS_H

#define PAGE_SHIFT     12
#define PT_LEVELS      3
#ifdef HOST_PT_INDEX_BITS       /* narrower tables: the mmap fuzzer's window spans many */
#define PT_INDEX_BITS  HOST_PT_INDEX_BITS
#else
#define PT_INDEX_BITS  9
#endif
#ifdef HOST_PT_ROOT_INDEX_BITS   /* a root wider than the other levels, as ppc64's radix has */
#define PT_ROOT_INDEX_BITS HOST_PT_ROOT_INDEX_BITS
#endif
/* One CPU: its per-CPU variables are the ones the program defines (percpu_offsets[0] is 0). */
#define MAX_CPUS       1
/* As arm64 and ppc64: splits go through an invalid entry and a broadcast flush, which the host
 * tests watch (host_tlb_flush_hook, arch/host/arch.c). */
#define ARCH_HAS_TLB_BROADCAST 1
#define ARCH_NEEDS_BREAK_BEFORE_MAKE 1

extern unsigned char *host_ram;         /* arch/host/arch.c */
extern void *host_vmemmap;
extern unsigned long host_ram_size;

#define DIRECT_MAP_BASE   ((uintptr_t)host_ram)
#define VMEMMAP_BASE      ((uintptr_t)host_vmemmap)
#define EARLY_MAP_LIMIT   ((phys_addr_t)host_ram_size)
#define KSTACK_AREA_BASE  0x40000000ul
#define KSTACK_AREA_SIZE  0x10000000ul
#define MMIO_AREA_BASE    0x50000000ul
#define MMIO_AREA_SIZE    0x10000000ul

typedef u64 pte_t;

/* User addresses below the kernel areas above; an address space needs no hardware context. */
#define USER_VA_END       0x40000000ul
/* EM_NONE: the host port runs no user programs; its tests name the machine they check. */
#define ARCH_ELF_MACHINE  0
struct arch_mm_context {
	int unused;
};

struct trap_frame {
	uintptr_t ip, fp;
	bool irqs_on;   /* interrupts enabled where the "trap" happened (tests set it) */
};

#endif
