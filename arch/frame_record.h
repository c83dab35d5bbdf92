/* Frame-pointer unwinding for arches whose frame records are two words, [fp] = the caller's
 * frame pointer and [fp + 8] = the return address (x86_64 with -fno-omit-frame-pointer, arm64's
 * AAPCS64 records). Included by their arch_inline.h to implement arch_unwind(). */
#ifndef ARCH_FRAME_RECORD_H
#define ARCH_FRAME_RECORD_H

static inline bool frame_record_unwind(uintptr_t *fp, uintptr_t *ip)
{
	const uintptr_t *frame = (const uintptr_t *)*fp;
	if (!frame || ((uintptr_t)frame & 7) || (uintptr_t)frame < DIRECT_MAP_BASE)
		return false;
	*ip = frame[1];
	*fp = frame[0];
	return *ip != 0;
}

#endif
