# arm64: the Debian cross compiler; the kernel uses no FP/SIMD registers (CPACR_EL1 traps them),
# no unaligned accesses (-mstrict-align: MMIO and anything before the MMU is on must be aligned),
# and inline LL/SC atomics (GCC 12 would otherwise call libgcc's outline helpers, which a
# freestanding kernel does not have). ARMv8.0 so it runs on cortex-a72 as well as on -cpu max.
# x18 is reserved for the running thread (arch_current_thread() in arch_inline.h).
CROSS ?= aarch64-linux-gnu-
ARCH_CFLAGS := -march=armv8-a -mgeneral-regs-only -mstrict-align -mno-outline-atomics \
	-mcmodel=small -mbranch-protection=none -fno-unwind-tables \
	-mno-omit-leaf-frame-pointer -ffixed-x18
ARCH_SRCS := boot/devicetree.c
IMAGES := $(BUILD)/faultline.elf $(BUILD)/faultline.bin
# User programs (tests/user/user.mk): atomics inline, since they link no libgcc.
USER_ARCH_CFLAGS := -mno-outline-atomics

# faultline.bin: the raw image with the arm64 Image header (head.S) at its first byte, which
# QEMU's -kernel loads at RAM base + TEXT_OFFSET and enters with x0 = the device tree.
define ARCH_IMAGE_RULES
$(BUILD)/faultline.bin: $(BUILD)/faultline.elf
	@$$(if $$(Q),echo "  OBJCOPY $$@")
	$$(Q)$$(OBJCOPY) -O binary $$< $$@
endef
