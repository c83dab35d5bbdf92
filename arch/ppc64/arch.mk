# ppc64 (little-endian POWER, QEMU pseries): cross gcc, the medium code model (data reached
# through the TOC in r2), no FP/vector code (MSR[FP,VEC,VSX] stay off), r13 kept for the per-CPU
# area. The kernel runs at its link address through the MMU, so the ELF needs no relocation;
# only head.S runs before that and it is position-independent.
CROSS ?= powerpc64le-linux-gnu-
ARCH_CFLAGS := -mlittle-endian -mcpu=power8 -mcmodel=medium -mno-altivec -mno-vsx -msoft-float \
	-ffixed-r13 -mno-pltseq
ARCH_SRCS := boot/devicetree.c
# The -bios stub under bootrom/ is an image of its own (below), not part of the kernel.
ARCH_NOT_KERNEL := arch/ppc64/bootrom/%
IMAGES := $(BUILD)/faultline.elf $(BUILD)/bootrom.bin
# User programs (tests/user/user.mk): the ELFv2 ABI, little-endian, the compiler's default
# CPU (POWER8); FP and vector code allowed, as for any Linux program.
USER_ARCH_CFLAGS := -mlittle-endian -mabi=elfv2

# QEMU's pseries machine resets the CPU at 0x100 with r3 = the device tree. The -bios stub is
# 0x100 bytes of zeros and one big-endian branch to where QEMU loaded the kernel.
define ARCH_IMAGE_RULES
$(BUILD)/bootrom.bin: arch/ppc64/bootrom/bootrom.S arch/ppc64/arch.mk
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  AS      $$<")
	$$(Q)$$(CROSS)as -mbig -a64 -mpower9 $$< -o $$(BUILD)/bootrom.o
	$$(Q)$$(OBJCOPY) -O binary -j .text $$(BUILD)/bootrom.o $$@
endef
