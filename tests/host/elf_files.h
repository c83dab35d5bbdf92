/* ELF files for the tests of kernel/user/elf.c: a small valid one built by hand (and edited into
 * each malformed shape), and the real ones the cross compilers made (build/<arch>/user/). */
#ifndef TESTS_HOST_ELF_FILES_H
#define TESTS_HOST_ELF_FILES_H

#include "kernel/types.h"

/* The hand-made file: ET_EXEC for machine, three program headers after the ELF header (0: text
 * R+X at 0x400000 holding the headers, file [0, 0x1000); 1: data RW at 0x401000, 0x10 file bytes
 * at 0x1000, 0x2000 in memory; 2: PT_GNU_STACK RW), the entry in the text. ELF_SMALL_SIZE
 * bytes. */
#define ELF_SMALL_SIZE 0x1010
#define ELF_SMALL_ENTRY 0x400100ul
void elf_small(u8 *buf, u16 machine);

/* Field access by offset: the headers are little-endian and unaligned in a byte buffer. */
void elf_put16(u8 *buf, size_t off, u16 v);
void elf_put32(u8 *buf, size_t off, u32 v);
void elf_put64(u8 *buf, size_t off, u64 v);
u64 elf_get64(const u8 *buf, size_t off);
u16 elf_get16(const u8 *buf, size_t off);
/* Offsets inside the ELF header and inside program header i (with e_phoff = 64). */
enum { EH_TYPE = 16, EH_MACHINE = 18, EH_VERSION = 20, EH_ENTRY = 24, EH_PHOFF = 32,
       EH_FLAGS = 48, EH_PHENTSIZE = 54, EH_PHNUM = 56 };
enum { PH_TYPE = 0, PH_FLAGS = 4, PH_OFFSET = 8, PH_VADDR = 16, PH_PADDR = 24, PH_FILESZ = 32,
       PH_MEMSZ = 40, PH_ALIGN = 48 };
static inline size_t elf_ph(int i, int field) { return 64 + 56 * (size_t)i + (size_t)field; }

/* Does an accepted image satisfy what elf.h promises (segments in order, apart, inside the file
 * and below limit, the entry in an executable one, ...)? If not, *what says which. */
struct elf_image;
bool elf_image_ok(const struct elf_image *im, size_t len, u64 limit, const char **what);

/* A real file: build/<arch>/user/<name>, read whole into a buffer of exactly its size
 * (malloc'd: ASan sees a read past its end). NULL if missing. */
u8 *elf_load_file(const char *arch, const char *name, size_t *len);
/* The programs make builds in build/<arch>/user/ (tests/user/user.mk), and the machine of an
 * arch name. */
extern const char *const elf_user_arches[3];
u16 elf_arch_machine(const char *arch);
/* The names of the regular files in build/<arch>/user/, NULL-terminated, malloc'd. */
char **elf_list_programs(const char *arch);

#endif
