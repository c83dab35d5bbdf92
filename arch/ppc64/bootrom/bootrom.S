/* The -bios image for QEMU's pseries machine (the fast boot route, see docs/ppc64.md).
 * QEMU loads it at real address 0 and resets the CPU at 0x100, big-endian, in 32-bit mode, with
 * r3 = the flattened device tree. The kernel ELF is already loaded at 0x400000 (QEMU's default
 * kernel-addr), so all this does is branch there with r3 intact. Assembled big-endian. */
	.text
	.org 0x100
	ba 0x400000
