/* The newc cpio reader of cpio.h. Its states follow Linux's init/initramfs.c: headers one after
 * another inside an archive; after a trailer, zero bytes are skipped and another archive may
 * start, 4-byte aligned. */
#include "lib/cpio.h"
#include "kernel/compiler.h"
#include "kernel/errno.h"
#include "lib/string.h"

enum { F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE, F_DEVMAJOR, F_DEVMINOR,
       F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK, NR_FIELDS };

void cpio_iter_init(struct cpio_iter *it, const void *buf, size_t len)
{
	*it = (struct cpio_iter){ .buf = buf, .len = len };
}

static int fail(struct cpio_iter *it, const char **why, const char *msg)
{
	if (why)
		*why = msg;
	it->done = true;
	return -EINVAL;
}

static int hex_field(const u8 *p, u32 *out)
{
	u32 v = 0;
	for (int i = 0; i < 8; i++) {
		u8 c = p[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -EINVAL;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

/* At the start and after a trailer: skip zero padding. Returns false at the end. */
static bool skip_zeros(struct cpio_iter *it)
{
	while (it->off < it->len && it->buf[it->off] == 0)
		it->off++;
	return it->off < it->len;
}

int cpio_next(struct cpio_iter *it, struct cpio_entry *e, const char **why)
{
	bool between = it->off == 0;   /* between archives: at the start or after a trailer */
	for (;;) {
		if (it->done)
			return 0;
		if (between) {
			if (!skip_zeros(it)) {
				it->done = true;
				return 0;
			}
			if (it->off & 3)
				return fail(it, why, "broken padding: an archive after a trailer "
					    "does not start 4-byte aligned");
		}
		if (it->off >= it->len)
			return fail(it, why, "the archive ends without a TRAILER!!! entry");
		size_t left = it->len - it->off;
		const u8 *h = it->buf + it->off;
		if (left >= 2 && h[0] == 0x1f && h[1] == 0x8b)
			return fail(it, why, "a gzip-compressed archive: only uncompressed newc is "
				    "read (make the archive without compressing it)");
		if (left < CPIO_HEADER_SIZE)
			return fail(it, why, "truncated header: fewer than 110 bytes left");
		if (!memcmp(h, "070707", 6))
			return fail(it, why, "old portable (odc) cpio header: write newc "
				    "(cpio -H newc)");
		if (memcmp(h, "07070", 5) || (h[5] != '1' && h[5] != '2'))
			return fail(it, why, "bad magic: not a newc cpio header (070701 or 070702)");
		u32 f[NR_FIELDS];
		for (int i = 0; i < NR_FIELDS; i++)
			if (hex_field(h + 6 + 8 * i, &f[i]))
				return fail(it, why, "bad hex digit in a header field");
		u32 namesize = f[F_NAMESIZE];
		if (namesize == 0)
			return fail(it, why, "an entry without a name (namesize 0: no NUL)");
		if (namesize > CPIO_NAME_MAX)
			return fail(it, why, "a name longer than PATH_MAX (4096 with its NUL)");
		if (namesize > left - CPIO_HEADER_SIZE)
			return fail(it, why, "a name runs past the end of the archive");
		const char *name = (const char *)h + CPIO_HEADER_SIZE;
		if (name[namesize - 1] != 0)
			return fail(it, why, "a name without its NUL (namesize does not end it)");
		u64 data = ALIGN_UP((u64)it->off + CPIO_HEADER_SIZE + namesize, 4u);
		u64 size = f[F_FILESIZE];
		if (data > it->len || size > it->len - data)
			return fail(it, why, "file data runs past the end of the archive");
		bool trailer = !strcmp(name, "TRAILER!!!");
		if (!trailer && h[5] == '2' && (f[F_MODE] & CPIO_S_IFMT) == CPIO_S_IFREG) {
			u32 sum = 0;
			for (u64 i = 0; i < size; i++)
				sum += it->buf[data + i];
			if (sum != f[F_CHECK])
				return fail(it, why, "checksum mismatch (070702 entry)");
		}
		u64 next = ALIGN_UP(data + size, 4u);
		size_t here = it->off;
		it->off = next < it->len ? next : it->len;
		between = trailer;
		if (trailer)
			continue;
		*e = (struct cpio_entry){
			.name = name, .name_len = strnlen(name, namesize),
			.data = it->buf + data, .size = size,
			.mode = f[F_MODE], .uid = f[F_UID], .gid = f[F_GID], .nlink = f[F_NLINK],
			.mtime = f[F_MTIME], .ino = f[F_INO],
			.dev_major = f[F_DEVMAJOR], .dev_minor = f[F_DEVMINOR],
			.rdev_major = f[F_RDEVMAJOR], .rdev_minor = f[F_RDEVMINOR],
			.offset = here,
		};
		return 1;
	}
}

/* The next component of a path: skips "/" and "." components; false at the end. */
static bool next_component(const char **p, const char *end, const char **c, size_t *n)
{
	for (;;) {
		while (*p < end && **p == '/')
			(*p)++;
		if (*p >= end)
			return false;
		const char *s = *p;
		while (*p < end && **p != '/')
			(*p)++;
		if (*p - s == 1 && s[0] == '.')
			continue;
		*c = s;
		*n = (size_t)(*p - s);
		return true;
	}
}

bool cpio_same_path(const char *a, size_t a_len, const char *b, size_t b_len)
{
	const char *ae = a + a_len, *be = b + b_len, *ca, *cb;
	size_t na, nb;
	for (;;) {
		bool more_a = next_component(&a, ae, &ca, &na);
		bool more_b = next_component(&b, be, &cb, &nb);
		if (!more_a || !more_b)
			return more_a == more_b;
		if (na != nb || memcmp(ca, cb, na))
			return false;
	}
}

int cpio_find(const void *buf, size_t len, const char *path, struct cpio_entry *e,
	      const char **why)
{
	struct cpio_iter it;
	struct cpio_entry cur;
	bool found = false;
	int r;
	cpio_iter_init(&it, buf, len);
	while ((r = cpio_next(&it, &cur, why)) > 0) {
		if (cpio_same_path(cur.name, cur.name_len, path, strlen(path))) {
			*e = cur;
			found = true;
		}
	}
	if (r < 0)
		return r;
	return found ? 0 : -ENOENT;
}

int cpio_count(const void *buf, size_t len, unsigned *entries, unsigned *files,
	       const char **why, size_t *bad_off)
{
	struct cpio_iter it;
	struct cpio_entry e;
	int r;
	*entries = *files = 0;
	cpio_iter_init(&it, buf, len);
	while ((r = cpio_next(&it, &e, why)) > 0) {
		(*entries)++;
		*files += cpio_is_reg(&e);
	}
	if (r < 0 && bad_off)
		*bad_off = it.off;
	return r;
}
