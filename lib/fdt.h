/* Reading a flattened device tree (the "DTB" of the Devicetree Specification v0.4, chapter 5).
 * Read-only and allocation-free; no locking (the blob is never written). Every offset and length
 * taken from the blob is bounds-checked, so a malformed blob yields an error, never a wild read.
 *
 * A node is named by the offset of its FDT_BEGIN_NODE token inside the structure block; the root
 * is fdt_root(). Functions returning an int node give a negative errno instead: -ENOENT when there
 * is no such node, -EINVAL when the blob is malformed at that point. All values in a blob are
 * big-endian; fdt_be32()/fdt_cells() read them on any host. */
#ifndef LIB_FDT_H
#define LIB_FDT_H

#include "kernel/types.h"

#define FDT_MAGIC    0xd00dfeedu
#define FDT_MAX_SIZE (1u << 28)   /* larger blobs are refused as implausible */

struct fdt {
	const u8 *blob;
	u32 size;                     /* totalsize from the header: at most what the caller
	                               * vouched for */
	u32 struct_off, struct_size;  /* the structure block */
	u32 strings_off, strings_size;
	u32 rsvmap_off;               /* the memory reservation block: {u64 address, u64 size}
	                               * pairs */
	u32 boot_cpuid;               /* boot_cpuid_phys: the boot CPU's "reg" */
};

/* Check the header of the blob at `blob`, of which `avail` bytes may be read, and fill *f.
 * Returns 0 or -EINVAL (bad magic, version < 16, a block outside totalsize or avail). */
int fdt_open(struct fdt *f, const void *blob, size_t avail);

/* Big-endian reads from property values (which have no alignment guarantee). */
u32 fdt_be32(const void *p);
u64 fdt_cells(const void *p, unsigned ncells);   /* 1 or 2 cells; more keep the low 64 bits */

/* ---- Nodes ---- */
int fdt_root(const struct fdt *f);
/* Depth-first successor of node: the next FDT_BEGIN_NODE in the blob. *depth (may be NULL) is
 * adjusted by the levels descended (+1 for a child) or climbed. -ENOENT at the end. */
int fdt_next_node(const struct fdt *f, int node, int *depth);
int fdt_first_child(const struct fdt *f, int node);
int fdt_next_sibling(const struct fdt *f, int node);
int fdt_parent(const struct fdt *f, int node);
/* "cpu@0"; "" for the root; NULL if node is not a valid node offset. */
const char *fdt_node_name(const struct fdt *f, int node);
/* The child called `name`: an exact match, or, when name has no '@', a child "name@unit". */
int fdt_subnode(const struct fdt *f, int parent, const char *name);
/* An absolute path: "/", "/cpus", "/vdevice/vty@71000000". */
int fdt_path(const struct fdt *f, const char *path);
/* The next node after `after` (-1: from the start) whose "compatible" list holds compat. */
int fdt_find_compatible(const struct fdt *f, int after, const char *compat);

/* ---- Properties ---- */
/* The value of property `name` of node and its length, or NULL if absent or malformed. */
const void *fdt_prop(const struct fdt *f, int node, const char *name, u32 *len);
/* A property that is one NUL-terminated string (the first of a list); NULL otherwise. */
const char *fdt_prop_string(const struct fdt *f, int node, const char *name);
/* A property of exactly one cell: true and *out, or false. */
bool fdt_prop_u32(const struct fdt *f, int node, const char *name, u32 *out);
/* Does node's "compatible" string list contain compat? */
bool fdt_is_compatible(const struct fdt *f, int node, const char *compat);
/* Walk the properties of node: *cookie starts at 0; each call returns the next property's value
 * and fills *name and *len, or NULL when there are no more. */
const void *fdt_next_prop(const struct fdt *f, int node, int *cookie, const char **name, u32 *len);

/* ---- Addresses ---- */
/* #address-cells / #size-cells that node declares for its children (defaults 2 and 1). */
unsigned fdt_address_cells(const struct fdt *f, int node);
unsigned fdt_size_cells(const struct fdt *f, int node);
/* Entry `index` of node's "reg", decoded with its parent's cell counts. Returns 0, -ENOENT (no
 * such entry) or -EINVAL (cell counts above 2, or a "reg" that is not a whole number of
 * entries). */
int fdt_reg(const struct fdt *f, int node, unsigned index, u64 *addr, u64 *size);
/* Entry `index` of the memory reservation block (/memreserve/): 0, or -ENOENT after the last. */
int fdt_memreserve(const struct fdt *f, unsigned index, u64 *addr, u64 *size);

#endif
