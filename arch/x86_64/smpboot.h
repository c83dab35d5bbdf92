/* The AP start-up trampoline's physical page, shared by trampoline.S and smpboot.c. */
#ifndef ARCH_X86_64_SMPBOOT_H
#define ARCH_X86_64_SMPBOOT_H

#define TRAMPOLINE_PHYS 0x8000   /* in the reserved first MiB; STARTUP vector 0x08 */

#endif
