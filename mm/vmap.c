/* Kernel stacks and device mappings (see vmap.h). Stack slots are KSTACK_SIZE plus one guard
 * page, handed out from a bitmap under vmap_lock; the pages behind a stack come one at a time
 * from the page allocator (they need not be contiguous). MMIO space is only ever added to. */
#include "mm/vmap.h"
#include "mm/internal.h"
#include "mm/kernel_map.h"
#include "mm/pgtable.h"

#define SLOT_SIZE (KSTACK_SIZE + PAGE_SIZE)
#define MAX_STACKS 4096

static spinlock_t vmap_lock = SPINLOCK_INIT;
static u64 slot_bitmap[MAX_STACKS / 64];
static uintptr_t mmio_next = MMIO_AREA_BASE;

static uintptr_t slot_base(unsigned slot) { return KSTACK_AREA_BASE + (uintptr_t)slot * SLOT_SIZE; }

void *kstack_alloc(void)
{
	unsigned long flags = spin_lock_irqsave(&vmap_lock);
	int slot = -1;
	for (unsigned w = 0; w < ARRAY_SIZE(slot_bitmap) && slot < 0; w++)
		if (~slot_bitmap[w]) {
			unsigned b = (unsigned)__builtin_ctzll(~slot_bitmap[w]);
			slot_bitmap[w] |= 1ull << b;
			slot = (int)(w * 64 + b);
		}
	spin_unlock_irqrestore(&vmap_lock, flags);
	if (slot < 0)
		return NULL;

	uintptr_t stack = slot_base((unsigned)slot) + PAGE_SIZE;   /* the guard stays unmapped */
	for (unsigned i = 0; i < KSTACK_PAGES; i++) {
		struct page *p = alloc_page(0);
		if (!p || kernel_map(stack + i * PAGE_SIZE, page_to_phys(p), PAGE_SIZE,
				     MMU_READ | MMU_WRITE)) {
			if (p)
				free_page(p);
			kstack_free((void *)stack);   /* unmaps and frees the pages mapped so far */
			return NULL;
		}
	}
	return (void *)stack;
}

void kstack_free(void *stack)
{
	uintptr_t s = (uintptr_t)stack;
	unsigned slot = (unsigned)((s - KSTACK_AREA_BASE) / SLOT_SIZE);
	BUG_ON(s != slot_base(slot) + PAGE_SIZE || slot >= MAX_STACKS);
	for (unsigned i = 0; i < KSTACK_PAGES; i++) {
		struct pt_mapping m;
		if (pt_query(kernel_pt_root, s + i * PAGE_SIZE, &m) == 0) {
			kernel_unmap(s + i * PAGE_SIZE, PAGE_SIZE);
			free_page(pfn_to_page(m.pa >> PAGE_SHIFT));
		}
	}
	unsigned long flags = spin_lock_irqsave(&vmap_lock);
	slot_bitmap[slot / 64] &= ~(1ull << (slot % 64));
	spin_unlock_irqrestore(&vmap_lock, flags);
}

bool kstack_in_guard(uintptr_t addr)
{
	if (addr < KSTACK_AREA_BASE || addr >= KSTACK_AREA_BASE + (u64)MAX_STACKS * SLOT_SIZE)
		return false;
	return (addr - KSTACK_AREA_BASE) % SLOT_SIZE < PAGE_SIZE;
}

const char *kstack_guard_hint(uintptr_t addr)
{
	return kstack_in_guard(addr) ? " (in a kernel stack's guard page: stack overflow)" : "";
}

void *mmio_map(phys_addr_t pa, u64 size)
{
	phys_addr_t base = ALIGN_DOWN(pa, PAGE_SIZE);
	u64 len = ALIGN_UP(pa + size, PAGE_SIZE) - base;
	unsigned long flags = spin_lock_irqsave(&vmap_lock);
	uintptr_t va = mmio_next;
	if (va + len > MMIO_AREA_BASE + MMIO_AREA_SIZE) {
		spin_unlock_irqrestore(&vmap_lock, flags);
		return NULL;
	}
	mmio_next += len + PAGE_SIZE;   /* a hole between mappings catches overruns */
	spin_unlock_irqrestore(&vmap_lock, flags);
	if (kernel_map(va, base, len, MMU_READ | MMU_WRITE | MMU_DEVICE))
		return NULL;
	return (void *)(va + (pa - base));
}
