/* x86_64 PCIDs (process-context identifiers, Intel SDM vol. 3A, 4.10.1): a CPU keeps the
 * translations of a few address spaces it ran lately, each tagged with its own PCID, so that
 * loading one of them again need not flush. Private to arch/x86_64/ and its tests; pcid.c says
 * how the slots and the flush generation keep that safe. */
#ifndef ARCH_X86_64_PCID_H
#define ARCH_X86_64_PCID_H

#include "arch/arch.h"

#define X86_CR4_PCIDE    (1ul << 17)
#define X86_CR3_PCID     0xfffull      /* CR3[11:0] with CR4.PCIDE = 1 (SDM vol. 3A, 4.5) */
#define X86_CR3_NOFLUSH  (1ull << 63)  /* keep the loaded PCID's entries (4.10.4.1) */
#define PCID_SLOTS       6             /* PCIDs 1..6 on each CPU; 0 is init_mm's */

enum pcid_mode {
	PCID_OFF,     /* every CR3 load flushes; no slots (mm.pcid=0, or a CPU without PCIDs) */
	PCID_MODEL,   /* no PCIDs, but the slots and their counts kept as if (debug.pcid_model) */
	PCID_ON,      /* CR4.PCIDE set on every CPU; CR3 names a slot's PCID */
};
/* Chosen once by the boot CPU (x86_pcid_init_boot), before the other CPUs start. */
extern enum pcid_mode x86_pcid_mode;
extern bool x86_pcid_wanted;   /* mm.pcid */

struct pcid_slot {
	u64 mm_id;       /* the mm it holds or last held (arch_mm_context.id); 0: none yet */
	u64 gen;         /* that mm's tlb_gen when this CPU last flushed the PCID for it */
	u64 last_used;   /* the table's clock at its last use: the least is evicted first */
};

struct pcid_stats {
	unsigned long flushing;    /* loads of a user mm that flushed its PCID */
	unsigned long keeping;     /* ... that kept its entries (CR3 bit 63 set) */
	unsigned long evictions;   /* slots taken over from another mm */
};

/* One CPU's slots: only that CPU touches them, with interrupts off. Slot i is PCID i + 1. */
struct pcid_cpu {
	struct pcid_slot slot[PCID_SLOTS];
	u64 clock;
	struct pcid_stats stats;
};

/* Pick the slot for the mm named id, whose tlb_gen is gen: the slot that holds it, or else the
 * least recently used one. Returns true if the load must flush the slot's PCID: the slot held
 * another mm, or this one at an older generation. Records the choice and counts it. Only
 * bookkeeping: the tests run it on a table of their own. */
bool pcid_choose(struct pcid_cpu *pc, u64 id, u64 gen, unsigned *slot);

/* The CR3 value that loads mm on this CPU (interrupts off): the root, and with PCIDs its slot's
 * PCID, with bit 63 when the slot's entries may be kept. */
u64 x86_pcid_cr3(struct mm *mm);
/* A new mm's id: never reused, so a slot naming a freed mm never matches a new one. */
void x86_pcid_mm_init(struct mm *mm);
void x86_pcid_init_boot(void);   /* the boot CPU, after the boot parameters: choose, enable */
void x86_pcid_init_cpu(void);    /* each other CPU as it starts: enable if chosen */
/* One CPU's counts (a snapshot; exact for this CPU with interrupts off). */
void x86_pcid_get_stats(unsigned cpu, struct pcid_stats *st);

#endif
