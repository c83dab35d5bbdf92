/* Flattened device tree reader (see fdt.h). No state beyond struct fdt; no locking.
 *
 * Blob layout (Devicetree Specification v0.4, 5.2), all fields big-endian u32:
 *   0x00 magic 0xd00dfeed   0x04 totalsize        0x08 off_dt_struct   0x0c off_dt_strings
 *   0x10 off_mem_rsvmap     0x14 version          0x18 last_comp_version
 *   0x1c boot_cpuid_phys    0x20 size_dt_strings  0x24 size_dt_struct (version 17)
 * The structure block is a sequence of 4-byte-aligned tokens (5.4):
 *   BEGIN_NODE name\0 (padded) | END_NODE | PROP {u32 len, u32 nameoff} value (padded) | NOP | END
 * Every read goes through tag(), which checks that the whole token lies inside the block. */
#include "lib/fdt.h"
#include "kernel/compiler.h"
#include "kernel/errno.h"
#include "lib/string.h"

enum { FDT_BEGIN_NODE = 1, FDT_END_NODE = 2, FDT_PROP = 3, FDT_NOP = 4, FDT_END = 9 };

u32 fdt_be32(const void *p)
{
	const u8 *b = p;
	return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

u64 fdt_cells(const void *p, unsigned ncells)
{
	u64 v = 0;
	for (unsigned i = 0; i < ncells; i++)
		v = v << 32 | fdt_be32((const u8 *)p + 4 * i);
	return v;
}

static u32 hdr(const u8 *b, unsigned field) { return fdt_be32(b + 4 * field); }

int fdt_open(struct fdt *f, const void *blob, size_t avail)
{
	const u8 *b = blob;
	if (!b || avail < 40 || hdr(b, 0) != FDT_MAGIC)
		return -EINVAL;
	u32 size = hdr(b, 1), soff = hdr(b, 2), stroff = hdr(b, 3), rsv = hdr(b, 4);
	u32 version = hdr(b, 5), strsize = hdr(b, 8);
	if (size > avail || size > FDT_MAX_SIZE || size < 40 || version < 16 || hdr(b, 6) > 17)
		return -EINVAL;
	u32 ssize = version >= 17 ? hdr(b, 9) : size - MIN(soff, size);
	if (soff % 4 || rsv % 8 || soff > size || ssize > size - soff || stroff > size ||
	    strsize > size - stroff || rsv > size - 16)
		return -EINVAL;
	*f = (struct fdt){ b, size, soff, ssize, stroff, strsize, rsv, hdr(b, 7) };
	return 0;
}

/* Decode the token at structure offset off. Returns its type and sets *next to the offset of the
 * token after it, or returns -EINVAL if the token does not fit in the block. */
static int tag(const struct fdt *f, int off, int *next)
{
	if (off < 0 || (u32)off % 4 || (u32)off > f->struct_size - MIN(4u, f->struct_size) ||
	    f->struct_size < 4)
		return -EINVAL;
	const u8 *s = f->blob + f->struct_off;
	u32 left = f->struct_size - (u32)off - 4;
	u32 t = fdt_be32(s + off);
	switch (t) {
	case FDT_BEGIN_NODE: {
		size_t n = strnlen((const char *)s + off + 4, left);
		if (n == left)
			return -EINVAL;   /* name not terminated inside the block */
		*next = off + 4 + (int)ALIGN_UP(n + 1, (size_t)4);
		break;
	}
	case FDT_PROP: {
		if (left < 8)
			return -EINVAL;
		u32 len = fdt_be32(s + off + 4);
		if (len > left - 8 || fdt_be32(s + off + 8) >= f->strings_size)
			return -EINVAL;
		*next = off + 12 + (int)ALIGN_UP(len, 4u);
		break;
	}
	case FDT_END_NODE:
	case FDT_NOP:
	case FDT_END:
		*next = off + 4;
		break;
	default:
		return -EINVAL;
	}
	return (int)t;
}

/* Is off the offset of a BEGIN_NODE token? */
static bool is_node(const struct fdt *f, int off)
{
	int next;
	return tag(f, off, &next) == FDT_BEGIN_NODE;
}

int fdt_root(const struct fdt *f)
{
	int off = 0, next, t;
	while ((t = tag(f, off, &next)) == FDT_NOP)
		off = next;
	return t == FDT_BEGIN_NODE ? off : -EINVAL;
}

int fdt_next_node(const struct fdt *f, int node, int *depth)
{
	int off, d = 0, t;
	if (tag(f, node, &off) != FDT_BEGIN_NODE)
		return -EINVAL;
	for (;;) {
		int next;
		t = tag(f, off, &next);
		if (t < 0)
			return t;
		if (t == FDT_BEGIN_NODE) {
			if (depth)
				*depth += d + 1;
			return off;
		}
		if (t == FDT_END_NODE)
			d--;
		else if (t == FDT_END)
			return -ENOENT;
		off = next;
	}
}

int fdt_first_child(const struct fdt *f, int node)
{
	int depth = 0, n = fdt_next_node(f, node, &depth);
	if (n < 0)
		return n;
	return depth == 1 ? n : -ENOENT;
}

int fdt_next_sibling(const struct fdt *f, int node)
{
	int depth = 0, n = node;
	do {
		n = fdt_next_node(f, n, &depth);
		if (n < 0)
			return n;
	} while (depth > 0);
	return depth == 0 ? n : -ENOENT;
}

int fdt_parent(const struct fdt *f, int node)
{
	/* Offsets only grow while walking, so the walk ends; a stack of ancestors would need a
	 * depth limit, rescanning does not. */
	int root = fdt_root(f);
	if (root < 0 || node == root)
		return root < 0 ? root : -ENOENT;
	int parent = root, child = fdt_first_child(f, root);
	while (child >= 0 && child != node) {
		int sib = fdt_next_sibling(f, child);
		if (child < node && (sib < 0 || sib > node)) {
			parent = child;   /* node lies inside this child's subtree */
			child = fdt_first_child(f, child);
		} else {
			child = sib;
		}
	}
	return child == node ? parent : -ENOENT;
}

const char *fdt_node_name(const struct fdt *f, int node)
{
	if (!is_node(f, node))
		return NULL;
	return (const char *)f->blob + f->struct_off + node + 4;
}

static bool name_matches(const char *node_name, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(node_name, name, n))
		return false;
	return node_name[n] == 0 || (node_name[n] == '@' && !strchr(name, '@'));
}

int fdt_subnode(const struct fdt *f, int parent, const char *name)
{
	for (int c = fdt_first_child(f, parent); c >= 0; c = fdt_next_sibling(f, c))
		if (name_matches(fdt_node_name(f, c), name))
			return c;
	return -ENOENT;
}

int fdt_path(const struct fdt *f, const char *path)
{
	if (path[0] != '/')
		return -EINVAL;
	int node = fdt_root(f);
	while (node >= 0 && *path) {
		while (*path == '/')
			path++;
		if (!*path)
			break;
		char comp[64];
		size_t n = 0;
		while (path[n] && path[n] != '/')
			n++;
		if (n >= sizeof(comp))
			return -ENOENT;
		memcpy(comp, path, n);
		comp[n] = 0;
		node = fdt_subnode(f, node, comp);
		path += n;
	}
	return node;
}

const void *fdt_next_prop(const struct fdt *f, int node, int *cookie, const char **name, u32 *len)
{
	int off = *cookie, next, t;
	if (off == 0 && tag(f, node, &off) != FDT_BEGIN_NODE)
		return NULL;
	while ((t = tag(f, off, &next)) == FDT_NOP)
		off = next;
	if (t != FDT_PROP)
		return NULL;
	const u8 *p = f->blob + f->struct_off + off;
	u32 nameoff = fdt_be32(p + 8);
	const char *s = (const char *)f->blob + f->strings_off + nameoff;
	if (strnlen(s, f->strings_size - nameoff) == f->strings_size - nameoff)
		return NULL;   /* name runs off the strings block */
	*name = s;
	*len = fdt_be32(p + 4);
	*cookie = next;
	return p + 12;
}

const void *fdt_prop(const struct fdt *f, int node, const char *name, u32 *len)
{
	int cookie = 0;
	const char *n;
	u32 l;
	const void *v;
	while ((v = fdt_next_prop(f, node, &cookie, &n, &l)))
		if (!strcmp(n, name)) {
			if (len)
				*len = l;
			return v;
		}
	return NULL;
}

const char *fdt_prop_string(const struct fdt *f, int node, const char *name)
{
	u32 len;
	const char *s = fdt_prop(f, node, name, &len);
	if (!s || len == 0 || strnlen(s, len) == len)
		return NULL;
	return s;
}

bool fdt_prop_u32(const struct fdt *f, int node, const char *name, u32 *out)
{
	u32 len;
	const void *p = fdt_prop(f, node, name, &len);
	if (!p || len != 4)
		return false;
	*out = fdt_be32(p);
	return true;
}

bool fdt_is_compatible(const struct fdt *f, int node, const char *compat)
{
	u32 len;
	const char *s = fdt_prop(f, node, "compatible", &len);
	if (!s)
		return false;
	size_t want = strlen(compat) + 1;
	for (u32 i = 0; i < len;) {
		size_t n = strnlen(s + i, len - i);
		if (n + 1 == want && !memcmp(s + i, compat, want - 1))
			return true;
		i += (u32)n + 1;
	}
	return false;
}

int fdt_find_compatible(const struct fdt *f, int after, const char *compat)
{
	int node = after < 0 ? fdt_root(f) : fdt_next_node(f, after, NULL);
	for (; node >= 0; node = fdt_next_node(f, node, NULL))
		if (fdt_is_compatible(f, node, compat))
			return node;
	return node;
}

static unsigned cells(const struct fdt *f, int node, const char *name, unsigned dflt)
{
	u32 v;
	return fdt_prop_u32(f, node, name, &v) ? v : dflt;
}

unsigned fdt_address_cells(const struct fdt *f, int node)
{
	return cells(f, node, "#address-cells", 2);
}
unsigned fdt_size_cells(const struct fdt *f, int node) { return cells(f, node, "#size-cells", 1); }

int fdt_reg(const struct fdt *f, int node, unsigned index, u64 *addr, u64 *size)
{
	int parent = fdt_parent(f, node);
	if (parent < 0)
		return -EINVAL;
	unsigned ac = fdt_address_cells(f, parent), sc = fdt_size_cells(f, parent);
	if (ac > 2 || sc > 2 || ac == 0)
		return -EINVAL;
	u32 len;
	const u8 *reg = fdt_prop(f, node, "reg", &len);
	if (!reg)
		return -ENOENT;
	u32 entry = 4 * (ac + sc);
	if (len % entry)
		return -EINVAL;
	if (index >= len / entry)
		return -ENOENT;
	*addr = fdt_cells(reg + index * entry, ac);
	*size = fdt_cells(reg + index * entry + 4 * ac, sc);
	return 0;
}

int fdt_memreserve(const struct fdt *f, unsigned index, u64 *addr, u64 *size)
{
	/* Pairs of u64 until one of size zero; fdt_open checked that one pair fits. */
	u32 max = (f->size - f->rsvmap_off) / 16;
	for (u32 i = 0; i < max && i <= index; i++) {
		const u8 *e = f->blob + f->rsvmap_off + 16 * i;
		u64 a = fdt_cells(e, 2), s = fdt_cells(e + 8, 2);
		if (s == 0)
			return -ENOENT;
		if (i == index) {
			*addr = a;
			*size = s;
			return 0;
		}
	}
	return -ENOENT;
}
