# x86_64: native gcc, the kernel code model (image in the top 2 GiB), no SSE in the kernel.
CROSS ?=
ARCH_CFLAGS := -m64 -mcmodel=kernel -mno-red-zone -mgeneral-regs-only -mno-sse -mno-mmx
ARCH_SRCS := boot/multiboot2.c
IMAGES := $(BUILD)/faultline.elf $(BUILD)/faultline.iso
# User programs (tests/user/user.mk): the native gcc; musl-gcc (Debian's musl-tools) for the
# programs against musl's C library.
USER_ARCH_CFLAGS := -m64
USER_MUSL_CC := musl-gcc

# The ISO carries a default command line; tools/qemu-run builds per-run copies with others.
define ARCH_IMAGE_RULES
$(BUILD)/faultline.iso: $(BUILD)/faultline.elf $(BUILD)/initramfs.cpio boot/grub.cfg tools/mkiso
	@$$(if $$(Q),echo "  ISO     $$@")
	$$(Q)tools/mkiso $$< $$@ "$$(RUN_CMDLINE)" $(BUILD)/initramfs.cpio
endef
