# Host unit tests: kernel sources compiled as ordinary programs against arch/host, with ASan and
# UBSan. Included by the top-level Makefile. `make host-test` builds and runs them all.
HOST_BUILD_DIR := build/host
HOST_CC ?= gcc
# The kernel's snprintf, vsnprintf and strlcpy (lib/) have the C library's names and take its
# place in host programs, test drivers included: an object's definition comes before a shared
# library's. -fno-builtin keeps GCC from computing their results from what it knows of glibc's
# (the kernel's %p differs), and with _FORTIFY_SOURCE undefined <stdio.h> does not send calls to
# glibc's checked versions instead.
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter -DHOST_BUILD \
	-fno-builtin -U_FORTIFY_SOURCE \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
	-I. -Iarch/host -MMD -MP
HOST_LIB_SRCS := lib/printf.c lib/string.c kernel/param.c kernel/printk.c kernel/panic.c \
	kernel/errno.c boot/boot_info.c boot/multiboot2.c boot/devicetree.c lib/fdt.c \
	mm/memblock.c mm/page_alloc.c mm/pgtable.c lib/rbtree.c lib/interval_tree.c \
	kernel/rangelock.c kernel/lockcheck.c arch/host/arch.c arch/host/thread.c tests/host/host_check.c \
	tests/host/mm_host.c
HOST_LIB_OBJS := $(patsubst %.c,$(HOST_BUILD_DIR)/%.o,$(HOST_LIB_SRCS))
HOST_TESTS := printf parse multiboot2 fdt fdt_virt buddy pgtable rbtree interval_tree rangelock
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
	tests/host/vma_tree_model.c tests/host/vma_tree_fuzz.c
VMATREE_OBJS := $(patsubst %.c,$(HOST_BUILD_DIR)/%.o,$(VMATREE_SRCS))
VMATREE_BINS := $(HOST_BUILD_DIR)/test_vma_tree $(HOST_BUILD_DIR)/fuzz_vma_tree
VMATREE_DEPS := $(VMATREE_OBJS:.o=.d) \
	$(patsubst $(HOST_BUILD_DIR)/%,$(HOST_BUILD_DIR)/tests/host/%.d,$(VMATREE_BINS))

$(VMATREE_BINS): $(HOST_BUILD_DIR)/%: $(HOST_BUILD_DIR)/tests/host/%.o $(VMATREE_OBJS) \
		$(HOST_LIB_OBJS)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -pthread $^ -o $@

# Variants in their own object directories, with their own flags.
HOST_NOSAN_CFLAGS := $(filter-out -O1 -fsanitize=% -fno-sanitize-recover=%,$(HOST_CFLAGS))
define host_variant_rule
$(1)/%.o: %.c Makefile tests/host/host.mk
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  $(2) $$<")
	$$(Q)$(3) $(4) -c $$< -o $$@
endef

# ---- The fuzzer: `make fuzz-vmatree OPS=10000000 SEED=42` runs the seeded one under ASan and
# UBSan; `make libfuzz-vmatree [FUZZ_SECONDS=60]` the same engine under libFuzzer (clang). ----
OPS ?= 1000000
SEED ?= 1
fuzz-vmatree: $(HOST_BUILD_DIR)/fuzz_vma_tree
	$(HOST_BUILD_DIR)/fuzz_vma_tree $(OPS) $(SEED)

HOST_FUZZ_DIR := build/host-libfuzz
HOST_FUZZ_CC ?= clang
HOST_FUZZ_CFLAGS := $(HOST_NOSAN_CFLAGS) -O1 -fsanitize=fuzzer-no-link,address,undefined
$(eval $(call host_variant_rule,$(HOST_FUZZ_DIR),FUZZCC ,$(HOST_FUZZ_CC),$(HOST_FUZZ_CFLAGS)))
VMATREE_LIBFUZZ_SRCS := $(VMATREE_SRCS) tests/host/libfuzz_vma_tree.c $(HOST_LIB_SRCS)
VMATREE_LIBFUZZ_BIN := $(HOST_FUZZ_DIR)/libfuzz_vma_tree
$(VMATREE_LIBFUZZ_BIN): $(patsubst %.c,$(HOST_FUZZ_DIR)/%.o,$(VMATREE_LIBFUZZ_SRCS))
	$(Q)$(HOST_FUZZ_CC) $(HOST_FUZZ_CFLAGS) -fsanitize=fuzzer -pthread $^ -o $@
VMATREE_DEPS += $(patsubst %.c,$(HOST_FUZZ_DIR)/%.d,$(VMATREE_LIBFUZZ_SRCS))

FUZZ_SECONDS ?= 60
libfuzz-vmatree: $(VMATREE_LIBFUZZ_BIN)
	@mkdir -p $(HOST_FUZZ_DIR)/corpus
	$(VMATREE_LIBFUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=4096 $(HOST_FUZZ_DIR)/corpus

# ---- Readers against a writer on threads, under ThreadSanitizer, with the tree validating itself
# after every write. host-test runs it twice: as is it must pass TSan-clean; with --busted
# (replaced nodes poisoned at once, while readers may still walk them, and freed only after a
# grace period) it must fail. ----
HOST_TSAN_DIR := build/host-tsan
HOST_TSAN_CFLAGS := $(HOST_NOSAN_CFLAGS) -O1 -fsanitize=thread -DVMA_TREE_DEBUG
$(eval $(call host_variant_rule,$(HOST_TSAN_DIR),TSANCC ,$(HOST_CC),$(HOST_TSAN_CFLAGS)))
VMATREE_RCU_SRCS := $(VMATREE_SRCS) tests/host/test_vma_tree_rcu.c $(HOST_LIB_SRCS)
VMATREE_RCU_BIN := $(HOST_TSAN_DIR)/test_vma_tree_rcu
$(VMATREE_RCU_BIN): $(patsubst %.c,$(HOST_TSAN_DIR)/%.o,$(VMATREE_RCU_SRCS))
	$(Q)$(HOST_CC) $(HOST_TSAN_CFLAGS) -pthread $^ -o $@
VMATREE_DEPS += $(patsubst %.c,$(HOST_TSAN_DIR)/%.d,$(VMATREE_RCU_SRCS))
VMATREE_TSAN := TSAN_OPTIONS="halt_on_error=1 exitcode=66"

# ---- `make bench-vmatree`: lookups against a sorted array, -O2 and no sanitizers. ----
HOST_BENCH_DIR := build/host-bench
HOST_BENCH_CFLAGS := $(HOST_NOSAN_CFLAGS) -O2
$(eval $(call host_variant_rule,$(HOST_BENCH_DIR),BENCHCC,$(HOST_CC),$(HOST_BENCH_CFLAGS)))
VMATREE_BENCH_SRCS := $(VMATREE_SRCS) tests/host/bench_vma_tree.c $(HOST_LIB_SRCS)
VMATREE_BENCH_BIN := $(HOST_BENCH_DIR)/bench_vma_tree
$(VMATREE_BENCH_BIN): $(patsubst %.c,$(HOST_BENCH_DIR)/%.o,$(VMATREE_BENCH_SRCS))
	$(Q)$(HOST_CC) $(HOST_BENCH_CFLAGS) -pthread $^ -o $@
VMATREE_DEPS += $(patsubst %.c,$(HOST_BENCH_DIR)/%.d,$(VMATREE_BENCH_SRCS))

bench-vmatree: $(VMATREE_BENCH_BIN)
	$(VMATREE_BENCH_BIN)

-include $(VMATREE_DEPS)

# ---- The page-table walker once more with a root wider than the other levels (ppc64's radix
# tree has 13 root bits over 9-bit levels): every object rebuilt with HOST_PT_ROOT_INDEX_BITS. ----
HOST_WIDEROOT_DIR := build/host-wideroot
HOST_WIDEROOT_CFLAGS := $(HOST_CFLAGS) -DHOST_PT_ROOT_INDEX_BITS=11
$(eval $(call host_variant_rule,$(HOST_WIDEROOT_DIR),WIDECC ,$(HOST_CC),$(HOST_WIDEROOT_CFLAGS)))
WIDEROOT_BIN := $(HOST_WIDEROOT_DIR)/test_pgtable
$(WIDEROOT_BIN): $(patsubst %.c,$(HOST_WIDEROOT_DIR)/%.o,tests/host/test_pgtable.c $(HOST_LIB_SRCS))
	$(Q)$(HOST_CC) $(HOST_WIDEROOT_CFLAGS) $^ -o $@
-include $(patsubst %.c,$(HOST_WIDEROOT_DIR)/%.d,tests/host/test_pgtable.c $(HOST_LIB_SRCS))

# pgtable's default is 400 random operations, each verified over a whole 1 GiB window.
host-test: $(HOST_BINS) $(VMATREE_BINS) $(VMATREE_RCU_BIN) $(WIDEROOT_BIN)
	@set -e; for t in $(HOST_BINS) $(HOST_BUILD_DIR)/test_vma_tree; do \
		$$t > $$t.log || { cat $$t.log; echo "FAILED: $$t"; exit 1; }; \
		tail -n 1 $$t.log; done
	@t=$(WIDEROOT_BIN); $$t 100 > $$t.log || { cat $$t.log; echo "FAILED: $$t"; exit 1; }; \
		echo "wide root: $$(tail -n 1 $$t.log)"
	@t=$(HOST_BUILD_DIR)/fuzz_vma_tree; $$t 1000000 1 > $$t.log || \
		{ cat $$t.log; echo "FAILED: $$t"; exit 1; }; tail -n 1 $$t.log
	@t=$(VMATREE_RCU_BIN); $(VMATREE_TSAN) $$t > $$t.log 2>&1 || \
		{ cat $$t.log; echo "FAILED: $$t"; exit 1; }; tail -n 1 $$t.log
	@t=$(VMATREE_RCU_BIN); if $(VMATREE_TSAN) $$t --busted > $$t-busted.log 2>&1; then \
		cat $$t-busted.log; \
		echo "FAILED: $$t --busted passed: the test cannot see the bug"; \
		exit 1; fi; echo "vma_tree_rcu --busted: caught, as it must be: $$(grep -m1 -o \
		-e 'ThreadSanitizer: [a-z -]*' -e 'a reader reached .*' -e '^vma_tree_rcu: .*' \
		$$t-busted.log | head -n 1)"
.SECONDARY:
