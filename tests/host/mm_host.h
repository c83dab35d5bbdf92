#ifndef TESTS_HOST_MM_HOST_H
#define TESTS_HOST_MM_HOST_H

#include "tests/host/host.h"
#include "boot/boot_info.h"
#include "mm/page.h"

extern struct boot_info host_bi;
/* Fake RAM of ram_bytes with a PC-like map; memblock ready; vmemmap all reserved. */
void host_mm_init(unsigned long ram_bytes);

#endif
