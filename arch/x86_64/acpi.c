/* Just enough ACPI to find the CPUs: RSDP -> XSDT (or RSDT) -> MADT ("APIC"), whose Local APIC
 * (type 0) and x2APIC (type 9) entries list the processors (ACPI 6.x, 5.2.12). The tables sit in
 * firmware memory that the direct map may not cover, so they are mapped (uncached, read once). */
#include "arch/x86_64/x86.h"
#include "kernel/printk.h"
#include "lib/string.h"
#include "mm/vmap.h"

struct sdt_header {
	char sig[4];
	u32 length;
	u8 revision, checksum;
	char oem[6], oem_table[8];
	u32 oem_rev, creator, creator_rev;
} __packed;

static const struct sdt_header *map_table(u64 pa)
{
	const struct sdt_header *h = mmio_map(pa, sizeof(*h));
	if (!h || h->length < sizeof(*h) || h->length > (1u << 20))
		return NULL;
	return mmio_map(pa, h->length);
}

static bool checksum_ok(const void *p, u32 len)
{
	u8 sum = 0;
	for (u32 i = 0; i < len; i++)
		sum += ((const u8 *)p)[i];
	return sum == 0;
}

static const struct sdt_header *find_madt(const u8 *rsdp, unsigned len)
{
	if (len < 20 || memcmp(rsdp, "RSD PTR ", 8) || !checksum_ok(rsdp, 20))
		return NULL;
	bool xsdt = rsdp[15] >= 2 && len >= 36;
	u64 root = xsdt ? *(const u64 *)(rsdp + 24) : *(const u32 *)(rsdp + 16);
	const struct sdt_header *rt = map_table(root);
	if (!rt || !checksum_ok(rt, rt->length))
		return NULL;
	unsigned width = xsdt ? 8 : 4;
	unsigned n = (rt->length - sizeof(*rt)) / width;
	for (unsigned i = 0; i < n; i++) {
		const u8 *e = (const u8 *)(rt + 1) + i * width;
		u64 pa = xsdt ? *(const u64 *)e : *(const u32 *)e;
		const struct sdt_header *t = map_table(pa);
		if (t && !memcmp(t->sig, "APIC", 4) && checksum_ok(t, t->length))
			return t;
	}
	return NULL;
}

unsigned acpi_find_cpus(const u8 *rsdp, unsigned rsdp_len, u32 boot_id, u64 *ids, unsigned max)
{
	const struct sdt_header *madt = find_madt(rsdp, rsdp_len);
	unsigned n = 1;
	ids[0] = boot_id;
	if (!madt) {
		pr_warn("acpi: no usable MADT; running on the boot CPU only\n");
		return 1;
	}
	const u8 *p = (const u8 *)madt + sizeof(*madt) + 8;   /* skip LAPIC address and flags */
	const u8 *end = (const u8 *)madt + madt->length;
	while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
		u64 id = ~0ull;
		u32 flags = 0;
		if (p[0] == 0 && p[1] >= 8) {          /* Processor Local APIC */
			id = p[3];
			flags = *(const u32 *)(p + 4);
		} else if (p[0] == 9 && p[1] >= 16) {  /* Processor Local x2APIC */
			id = *(const u32 *)(p + 4);
			flags = *(const u32 *)(p + 8);
		}
		/* flags bit 0: enabled; bit 1: can be brought online. */
		if (id != ~0ull && (flags & 3) && id != boot_id) {
			if (n < max)
				ids[n++] = id;
			else
				pr_warn("acpi: more than %u CPUs; ignoring APIC id %lu\n", max, id);
		}
		p += p[1];
	}
	return n;
}
