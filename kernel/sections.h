/* Linker-script symbols that bound the kernel image's parts (see linker.ld). */
#ifndef KERNEL_SECTIONS_H
#define KERNEL_SECTIONS_H

extern char __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[];
extern char __data_start[], __bss_start[], __bss_end[];
extern char __image_end[];

#endif
