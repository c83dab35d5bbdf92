/* The ELF files of elf_files.h. */
#include "tests/host/elf_files.h"
#include "tests/host/host.h"
#include "kernel/user/elf.h"
#include <dirent.h>
#include <sys/stat.h>

void elf_put16(u8 *b, size_t off, u16 v) { memcpy(b + off, &v, 2); }
void elf_put32(u8 *b, size_t off, u32 v) { memcpy(b + off, &v, 4); }
void elf_put64(u8 *b, size_t off, u64 v) { memcpy(b + off, &v, 8); }
u64 elf_get64(const u8 *b, size_t off) { u64 v; memcpy(&v, b + off, 8); return v; }
u16 elf_get16(const u8 *b, size_t off) { u16 v; memcpy(&v, b + off, 2); return v; }

static void phdr(u8 *b, int i, u32 type, u32 flags, u64 off, u64 vaddr, u64 filesz, u64 memsz)
{
	elf_put32(b, elf_ph(i, PH_TYPE), type);
	elf_put32(b, elf_ph(i, PH_FLAGS), flags);
	elf_put64(b, elf_ph(i, PH_OFFSET), off);
	elf_put64(b, elf_ph(i, PH_VADDR), vaddr);
	elf_put64(b, elf_ph(i, PH_PADDR), vaddr);
	elf_put64(b, elf_ph(i, PH_FILESZ), filesz);
	elf_put64(b, elf_ph(i, PH_MEMSZ), memsz);
	elf_put64(b, elf_ph(i, PH_ALIGN), type == PT_LOAD ? 0x1000 : 0x10);
}

void elf_small(u8 *b, u16 machine)
{
	memset(b, 0, ELF_SMALL_SIZE);
	memcpy(b, "\177ELF", 4);
	b[4] = 2;   /* ELFCLASS64 */
	b[5] = 1;   /* ELFDATA2LSB */
	b[6] = 1;   /* EV_CURRENT */
	elf_put16(b, EH_TYPE, ET_EXEC);
	elf_put16(b, EH_MACHINE, machine);
	elf_put32(b, EH_VERSION, 1);
	elf_put64(b, EH_ENTRY, ELF_SMALL_ENTRY);
	elf_put64(b, EH_PHOFF, 64);
	elf_put32(b, EH_FLAGS, machine == EM_PPC64 ? 2 : 0);
	elf_put16(b, 52, 64);   /* e_ehsize */
	elf_put16(b, EH_PHENTSIZE, 56);
	elf_put16(b, EH_PHNUM, 3);
	phdr(b, 0, PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x1000, 0x1000);
	phdr(b, 1, PT_LOAD, PF_R | PF_W, 0x1000, 0x401000, 0x10, 0x2000);
	phdr(b, 2, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
	memset(b + 0x100, 0xc3, 16);   /* the "code" */
}

const char *const elf_user_arches[3] = { "x86_64", "arm64", "ppc64" };

u16 elf_arch_machine(const char *arch)
{
	return !strcmp(arch, "x86_64") ? EM_X86_64 : !strcmp(arch, "arm64") ? EM_AARCH64 : EM_PPC64;
}

u8 *elf_load_file(const char *arch, const char *name, size_t *len)
{
	char path[256];
	snprintf(path, sizeof(path), "build/%s/user/%s", arch, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	u8 *b = malloc(*len ? *len : 1);
	if (fread(b, 1, *len, f) != *len) {
		free(b);
		b = NULL;
	}
	fclose(f);
	return b;
}

char **elf_list_programs(const char *arch)
{
	char path[256];
	snprintf(path, sizeof(path), "build/%s/user", arch);
	char **names = calloc(64, sizeof(*names));
	DIR *d = opendir(path);
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d)) && n < 63;) {
		char file[512];
		struct stat st;
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		if (e->d_name[0] != '.' && !stat(file, &st) && S_ISREG(st.st_mode))
			names[n++] = strdup(e->d_name);
	}
	if (d)
		closedir(d);
	return names;
}

bool elf_image_ok(const struct elf_image *im, size_t len, u64 limit, const char **what)
{
#define REQUIRE(c) do { if (!(c)) { *what = #c; return false; } } while (0)
	REQUIRE(im->nr_segments >= 1 && im->nr_segments <= ELF_MAX_SEGMENTS);
	bool entry_ok = false;
	for (unsigned i = 0; i < im->nr_segments; i++) {
		const struct elf_segment *s = &im->seg[i];
		REQUIRE(s->memsz > 0 && s->filesz <= s->memsz);
		REQUIRE(s->offset <= len && s->filesz <= len - s->offset);
		REQUIRE(((s->vaddr - im->bias) ^ s->offset) % ELF_PAGE_SIZE == 0);
		REQUIRE(s->vaddr + s->memsz > s->vaddr && s->vaddr + s->memsz <= limit);
		REQUIRE(i == 0 || s->vaddr >= im->seg[i - 1].vaddr + im->seg[i - 1].memsz);
		REQUIRE((s->prot & ~(ELF_PROT_READ | ELF_PROT_WRITE | ELF_PROT_EXEC)) == 0);
		entry_ok |= (s->prot & ELF_PROT_EXEC) && im->entry >= s->vaddr &&
			    im->entry < s->vaddr + s->memsz;
	}
	REQUIRE(entry_ok);
	REQUIRE(im->lo <= im->seg[0].vaddr && im->lo % ELF_PAGE_SIZE == 0);
	const struct elf_segment *last = &im->seg[im->nr_segments - 1];
	REQUIRE(im->hi >= last->vaddr + last->memsz && im->hi <= limit &&
		im->hi % ELF_PAGE_SIZE == 0);
	REQUIRE(im->phent == 56 && im->phnum >= 1 && im->phnum <= ELF_MAX_PHNUM);
	REQUIRE(im->type == ET_EXEC || im->type == ET_DYN);
	REQUIRE(im->bias == 0 || im->type == ET_DYN);
	REQUIRE(im->max_align >= ELF_PAGE_SIZE && !(im->max_align & (im->max_align - 1)));
	REQUIRE(im->bias % im->max_align == 0);
	REQUIRE(im->reason == ELF_OK && im->bad_phdr == -1);
	/* AT_PHDR, when given, is inside the file bytes of a segment. */
	bool phdr_ok = im->phdr_addr == 0;
	for (unsigned i = 0; i < im->nr_segments && !phdr_ok; i++)
		phdr_ok = im->phdr_addr >= im->seg[i].vaddr &&
			  im->phdr_addr - im->seg[i].vaddr < im->seg[i].filesz;
	REQUIRE(phdr_ok);
#undef REQUIRE
	return true;
}
