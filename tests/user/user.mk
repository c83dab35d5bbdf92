# User programs (tests/user/) and the initramfs that carries them, for ARCH. Included by the
# top-level Makefile; `make all` builds both.
#
# What is built is found by rule, not listed:
#   tests/user/NAME.c is a program, build/<arch>/user/NAME, on the runtime of tests/user/lib/
#     (start.c, printf.c, ktap.c, string.c, and lib/<arch>/crt0.S and syscall_arch.h); no libc.
#     NAME starting with pie_ is linked as a static PIE (ET_DYN, -static-pie), the others as
#     static executables (ET_EXEC, -no-pie);
#   tests/user/musl/NAME.c is a program against musl's C library, build/<arch>/user/musl_NAME,
#     on the arches whose arch.mk names a USER_MUSL_CC (x86_64: Debian's musl-gcc).
# The arch's compiler is the kernel's (CROSS); USER_ARCH_CFLAGS in arch.mk add its own flags.
# build/<arch>/initramfs.cpio (tools/mkcpio, newc) holds /init (a copy of hello) and every
# program under /bin/.
USER_DIR := $(BUILD)/user
USER_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-builtin \
	-fno-stack-protector -fno-tree-loop-distribute-patterns -ffile-prefix-map=$(CURDIR)/= \
	-Itests/user/lib -Itests/user/lib/$(ARCH) $(USER_ARCH_CFLAGS) -MMD -MP
USER_LDFLAGS := -nostdlib -static -Wl,--build-id=none -Wl,-z,noexecstack
# Per kind: compile flags, link flags.
USER_EXEC_FLAGS := -fno-pic
USER_EXEC_LINK := -no-pie
USER_PIE_FLAGS := -fpie
USER_PIE_LINK := -static-pie

USER_LIB_SRCS := $(sort $(wildcard tests/user/lib/*.c)) tests/user/lib/$(ARCH)/crt0.S \
	tests/user/lib/$(ARCH)/clone.S
USER_PROGS := $(patsubst tests/user/%.c,%,$(sort $(wildcard tests/user/*.c)))
USER_BINS := $(addprefix $(USER_DIR)/,$(USER_PROGS))
USER_MUSL_PROGS := $(if $(USER_MUSL_CC),$(patsubst tests/user/musl/%.c,musl_%,\
	$(sort $(wildcard tests/user/musl/*.c))))
USER_MUSL_BINS := $(addprefix $(USER_DIR)/,$(USER_MUSL_PROGS))
user_objs = $(patsubst %,$(USER_DIR)/obj/$(1)/%.o,$(basename $(USER_LIB_SRCS)))

# The runtime, twice: position-dependent (exec) and position-independent (pie).
define user_kind_rules
$(USER_DIR)/obj/$(1)/%.o: %.c Makefile tests/user/user.mk arch/$(ARCH)/arch.mk
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  USERCC  $$<")
	$$(Q)$$(CC) $$(USER_CFLAGS) $(2) -c $$< -o $$@
$(USER_DIR)/obj/$(1)/%.o: %.S Makefile tests/user/user.mk arch/$(ARCH)/arch.mk
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  USERAS  $$<")
	$$(Q)$$(CC) $$(USER_CFLAGS) $(2) -c $$< -o $$@
endef
$(eval $(call user_kind_rules,exec,$(USER_EXEC_FLAGS)))
$(eval $(call user_kind_rules,pie,$(USER_PIE_FLAGS)))

$(USER_DIR)/pie_%: $(USER_DIR)/obj/pie/tests/user/pie_%.o $(call user_objs,pie)
	@$(if $(Q),echo "  USERLD  $@")
	$(Q)$(CC) $(USER_CFLAGS) $(USER_PIE_FLAGS) $(USER_LDFLAGS) $(USER_PIE_LINK) $^ -o $@
$(USER_DIR)/%: $(USER_DIR)/obj/exec/tests/user/%.o $(call user_objs,exec)
	@$(if $(Q),echo "  USERLD  $@")
	$(Q)$(CC) $(USER_CFLAGS) $(USER_EXEC_FLAGS) $(USER_LDFLAGS) $(USER_EXEC_LINK) $^ -o $@

$(USER_DIR)/musl_%: tests/user/musl/%.c Makefile tests/user/user.mk
	@mkdir -p $(dir $@)
	@command -v $(USER_MUSL_CC) >/dev/null || \
		{ echo "$(USER_MUSL_CC) is missing: run make deps (musl-tools)" >&2; exit 1; }
	@$(if $(Q),echo "  MUSLCC  $<")
	$(Q)$(USER_MUSL_CC) -static -O2 -g -Wall -Wextra -Werror $< -o $@ -lpthread

$(BUILD)/initramfs.cpio: $(USER_BINS) $(USER_MUSL_BINS) tools/mkcpio
	@$(if $(Q),echo "  CPIO    $@")
	$(Q)tools/mkcpio $@ init=$(USER_DIR)/hello bin/ \
		$(foreach b,$(USER_BINS) $(USER_MUSL_BINS),bin/$(notdir $(b))=$(b))

user: $(BUILD)/initramfs.cpio

-include $(foreach k,exec pie,$(patsubst %.o,%.d,$(call user_objs,$(k)) \
	$(patsubst %,$(USER_DIR)/obj/$(k)/tests/user/%.o,$(USER_PROGS))))
