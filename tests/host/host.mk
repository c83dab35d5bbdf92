# Host unit tests: kernel sources compiled as ordinary programs against arch/host, with ASan and
# UBSan. Included by the top-level Makefile. `make host-test` builds and runs them all.
HOST_BUILD_DIR := build/host
HOST_CC ?= gcc
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter -DHOST_BUILD \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
	-I. -Iarch/host -MMD -MP
HOST_LIB_SRCS := lib/printf.c lib/string.c kernel/param.c kernel/printk.c kernel/panic.c \
	kernel/errno.c boot/boot_info.c boot/multiboot2.c mm/memblock.c mm/page_alloc.c \
	mm/pgtable.c tests/host/host_arch.c tests/host/host_check.c tests/host/mm_host.c
HOST_LIB_OBJS := $(patsubst %.c,$(HOST_BUILD_DIR)/%.o,$(HOST_LIB_SRCS))
HOST_TESTS := printf parse multiboot2 buddy pgtable
HOST_BINS := $(patsubst %,$(HOST_BUILD_DIR)/test_%,$(HOST_TESTS))

$(HOST_BUILD_DIR)/%.o: %.c Makefile tests/host/host.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -c $< -o $@

$(HOST_BUILD_DIR)/test_%: $(HOST_BUILD_DIR)/tests/host/test_%.o $(HOST_LIB_OBJS)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) $^ -o $@

-include $(HOST_LIB_OBJS:.o=.d) $(patsubst %,$(HOST_BUILD_DIR)/tests/host/test_%.d,$(HOST_TESTS))

# ---- The VMA tree (mm/vma_tree*.c), over a userspace RCU (host_rcu.c) and a slab on malloc
# with failure injection (host_slab.c), checked against a sorted-array model. ----
VMATREE_SRCS := mm/vma_tree.c mm/vma_tree_write.c tests/host/host_rcu.c tests/host/host_slab.c \
	tests/host/vma_tree_model.c
VMATREE_OBJS := $(patsubst %.c,$(HOST_BUILD_DIR)/%.o,$(VMATREE_SRCS))
VMATREE_BINS := $(HOST_BUILD_DIR)/test_vma_tree
VMATREE_DEPS := $(VMATREE_OBJS:.o=.d) $(patsubst $(HOST_BUILD_DIR)/%,$(HOST_BUILD_DIR)/tests/host/%.d,$(VMATREE_BINS))

$(VMATREE_BINS): $(HOST_BUILD_DIR)/%: $(HOST_BUILD_DIR)/tests/host/%.o $(VMATREE_OBJS) $(HOST_LIB_OBJS)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -pthread $^ -o $@

-include $(VMATREE_DEPS)

# pgtable's default is 400 random operations, each verified over a whole 1 GiB window.
host-test: $(HOST_BINS) $(VMATREE_BINS)
	@set -e; for t in $(HOST_BINS) $(HOST_BUILD_DIR)/test_vma_tree; do \
		$$t > $$t.log || { cat $$t.log; echo "FAILED: $$t"; exit 1; }; tail -n 1 $$t.log; done
.SECONDARY:
