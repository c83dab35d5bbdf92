# Host unit tests: kernel sources compiled as ordinary programs against arch/host, with ASan and
# UBSan. Included by the top-level Makefile. `make host-test` builds and runs them all.
HOST_BUILD_DIR := build/host
HOST_CC ?= gcc
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter -DHOST_BUILD \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
	-I. -Iarch/host -MMD -MP
HOST_LIB_SRCS := lib/printf.c lib/string.c kernel/param.c kernel/printk.c kernel/panic.c \
	kernel/errno.c boot/boot_info.c boot/multiboot2.c mm/memblock.c mm/page_alloc.c \
	mm/pgtable.c lib/rbtree.c lib/interval_tree.c kernel/rangelock.c tests/host/host_arch.c \
	tests/host/host_check.c tests/host/mm_host.c
HOST_LIB_OBJS := $(patsubst %.c,$(HOST_BUILD_DIR)/%.o,$(HOST_LIB_SRCS))
HOST_TESTS := printf parse multiboot2 buddy pgtable rbtree interval_tree rangelock
HOST_BINS := $(patsubst %,$(HOST_BUILD_DIR)/test_%,$(HOST_TESTS))

$(HOST_BUILD_DIR)/%.o: %.c Makefile tests/host/host.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -c $< -o $@

$(HOST_BUILD_DIR)/test_%: $(HOST_BUILD_DIR)/tests/host/test_%.o $(HOST_LIB_OBJS)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) $^ -o $@

-include $(HOST_LIB_OBJS:.o=.d) $(patsubst %,$(HOST_BUILD_DIR)/tests/host/test_%.d,$(HOST_TESTS))

# pgtable's default is 400 random operations, each verified over a whole 1 GiB window.
host-test: $(HOST_BINS)
	@set -e; for t in $(HOST_BINS); do $$t > $$t.log || { cat $$t.log; echo "FAILED: $$t"; exit 1; }; \
		tail -n 1 $$t.log; done
.SECONDARY:
