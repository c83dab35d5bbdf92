/* Reading a cpio archive in the "newc" format of Linux's initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst): each entry is a 110-byte ASCII
 * header, "070701" (or "070702": with a checksum) and thirteen 8-digit hex fields, then the
 * name with its NUL, padded to a multiple of 4 from the header's start, then the data, padded
 * to 4. "TRAILER!!!" ends an archive; as in Linux, zero bytes and further archives may follow.
 * Read-only and allocation-free; every length is checked against the buffer, so a malformed
 * archive gives an error with a reason, never a read outside it. */
#ifndef LIB_CPIO_H
#define LIB_CPIO_H

#include "kernel/types.h"

#define CPIO_HEADER_SIZE 110
#define CPIO_NAME_MAX    4096   /* PATH_MAX, with the NUL */

/* mode's file type bits (st_mode) */
#define CPIO_S_IFMT  0170000
#define CPIO_S_IFDIR 0040000
#define CPIO_S_IFREG 0100000
#define CPIO_S_IFLNK 0120000

struct cpio_entry {
	const char *name;     /* as stored, NUL-terminated inside the archive */
	size_t name_len;      /* without the NUL */
	const void *data;     /* the file's bytes (a symlink's: its target, not terminated) */
	size_t size;
	u32 mode, uid, gid, nlink, mtime, ino;
	u32 dev_major, dev_minor, rdev_major, rdev_minor;
	size_t offset;        /* of its header in the buffer */
};

struct cpio_iter {
	const u8 *buf;
	size_t len, off;
	bool done;
};

void cpio_iter_init(struct cpio_iter *it, const void *buf, size_t len);
/* The next entry: 1 with *e filled, 0 at the end (the last trailer, with only zero padding
 * after it; a buffer of nothing or only zeros is an empty archive), or a negative errno (-EINVAL) with *why naming the problem and it->off where it
 * was found. Trailers are not returned as entries. */
int cpio_next(struct cpio_iter *it, struct cpio_entry *e, const char **why);

/* The entry named path, after normalising both: leading "/" and "./" dropped, "//" and "/./"
 * taken as "/", a trailing "/" dropped; so "/init", "init" and "./init" are one name. As in
 * Linux's unpacking, a later entry of the same name replaces an earlier one. Returns 0, -ENOENT,
 * or -EINVAL for a malformed archive (*why says why; the lookup stops there). */
int cpio_find(const void *buf, size_t len, const char *path, struct cpio_entry *e,
	      const char **why);

/* Check a whole archive: 0 with the number of entries and of regular files, or -EINVAL with
 * *why and *bad_off (may be NULL). */
int cpio_count(const void *buf, size_t len, unsigned *entries, unsigned *files,
	       const char **why, size_t *bad_off);

/* Do two paths name the same entry (the normalisation of cpio_find)? */
bool cpio_same_path(const char *a, size_t a_len, const char *b, size_t b_len);

static inline bool cpio_is_reg(const struct cpio_entry *e)
{
	return (e->mode & CPIO_S_IFMT) == CPIO_S_IFREG;
}

#endif
