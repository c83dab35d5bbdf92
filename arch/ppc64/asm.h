/* Assembly helpers shared by the .S files of arch/ppc64/. */
#ifndef ARCH_PPC64_ASM_H
#define ARCH_PPC64_ASM_H

/* A 64-bit constant or absolute address, in five instructions. */
#define LOAD_IMM64(r, x)            \
	lis r, (x)@highest;         \
	ori r, r, (x)@higher;       \
	rldicr r, r, 32, 31;        \
	oris r, r, (x)@high;        \
	ori r, r, (x)@l

#endif
