# Host unit tests: kernel sources compiled as ordinary programs against the host port, with ASan
# and UBSan. Included by the top-level Makefile. `make host-test` builds and runs them all.
#
# The seam is arch/host, not the kernel's sources: they are compiled as they are, with no flag of
# their own. They see the arch contract (arch/arch.h) implemented on plain memory and pthreads,
# each pthread a kernel thread whose sleeps and wake-ups arch/host/thread.c provides; the kernel
# pieces a host program cannot have come as stand-ins with test controls in tests/host (RCU,
# slab).
#
# What is built is found by rule, not listed:
#   kernel side: every .c file under kernel/, lib/, mm/ and boot/, at any depth, except those in
#     HOST_NOT_BUILT below, each with its reason; and the host port, arch/host/*.c;
#   test side: each tests/host/test_*.c is a unit test, one program, which host-test runs; a unit
#     test that starts threads (pthread_create) is also built under ThreadSanitizer and run
#     there too, and has a broken twin, --busted, which must fail in both builds: the test's own
#     checks must see the bug without ThreadSanitizer's help.
#     fuzz_*.c, libfuzz_*.c and bench_*.c are the programs of the fuzz and bench builds below;
#     every other tests/host/*.c is support code.
# Every program links all of the kernel side and the support code, so a new kernel file must
# compile and link against the host port, or be named in HOST_NOT_BUILT with the reason.
HOST_DIR := build/host
HOST_CC ?= gcc
# The kernel's snprintf, vsnprintf and strlcpy (lib/) have the C library's names and take its
# place in host programs, test drivers included: an object's definition comes before a shared
# library's. -fno-builtin keeps GCC from computing their results from what it knows of glibc's
# (the kernel's %p differs), and with _FORTIFY_SOURCE undefined <stdio.h> does not send calls to
# glibc's checked versions instead.
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter -fno-builtin \
	-U_FORTIFY_SOURCE -pthread \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
	-I. -Iarch/host -MMD -MP

# kmain, and the boot-time set-up of memory around it (the image's sections, the boot stack).
HOST_NOT_BUILT := kernel/main.c mm/mm_init.c
# The scheduler, the CPUs and the tick (arch/host/thread.c has the scheduler's sleeps and
# wake-ups); the completions in wait.c time out through the tick.
HOST_NOT_BUILT += kernel/sched/sched.c kernel/sched/timer.c kernel/sched/wait.c kernel/percpu.c \
	kernel/smp.c
# Replaced by stand-ins with test controls: tests/host/host_rcu.c, tests/host/host_slab.c.
HOST_NOT_BUILT += kernel/rcu/rcu.c mm/slab.c
# The in-kernel tests: KTAP cases and torture suites, on kernel threads and timers.
HOST_NOT_BUILT += kernel/ktest.c kernel/torture.c $(wildcard kernel/*/torture_*.c mm/torture_*.c)
# The monitor: a prompt on the serial console, which the host has not.
HOST_NOT_BUILT += kernel/monitor.c kernel/monitor_line.c
# The exception table, which the arch's linker script makes.
HOST_NOT_BUILT += kernel/extable.c
# The C library's functions: host programs use the host's own, which the sanitizers check.
HOST_NOT_BUILT += lib/libc_string.c

HOST_PROGRAMS := tests/host/test_%.c tests/host/fuzz_%.c tests/host/libfuzz_%.c \
	tests/host/bench_%.c
HOST_LIB_SRCS := $(filter-out $(HOST_NOT_BUILT),$(call find_sources,kernel lib mm boot,*.c)) \
	$(call find_sources,arch/host,*.c) \
	$(filter-out $(HOST_PROGRAMS),$(call find_sources,tests/host,*.c))
HOST_LIB_OBJS := $(patsubst %.c,$(HOST_DIR)/%.o,$(HOST_LIB_SRCS))
HOST_TESTS := $(patsubst tests/host/%.c,%,$(call find_sources,tests/host,test_*.c))
HOST_THREADED_TESTS := $(patsubst tests/host/%.c,%,\
	$(shell grep -l pthread_create $(addprefix tests/host/,$(HOST_TESTS:=.c))))
HOST_BINS := $(addprefix $(HOST_DIR)/,$(HOST_TESTS))
HOST_FUZZ_BIN := $(HOST_DIR)/fuzz_vma_tree
HOST_SMALLPT_DIR := build/host-smallpt
HOST_FUZZ_MMAP_BIN := $(HOST_SMALLPT_DIR)/fuzz_mmap

$(HOST_DIR)/%.o: %.c Makefile tests/host/host.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -c $< -o $@

$(HOST_BINS) $(HOST_FUZZ_BIN): $(HOST_DIR)/%: $(HOST_DIR)/tests/host/%.o \
		$(HOST_LIB_OBJS)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) $^ -o $@

-include $(HOST_LIB_OBJS:.o=.d) \
	$(patsubst %,$(HOST_DIR)/tests/host/%.d,$(HOST_TESTS) fuzz_vma_tree)

# Variants in their own object directories, with their own flags. $(call host_program,DIR,CC,
# CFLAGS,NAME) links DIR/NAME from tests/host/NAME.c and the whole library, compiled in DIR.
HOST_NOSAN_CFLAGS := $(filter-out -O1 -fsanitize=% -fno-sanitize-recover=%,$(HOST_CFLAGS))
define host_variant_rule
$(1)/%.o: %.c Makefile tests/host/host.mk
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  $(2) $$<")
	$$(Q)$(3) $(4) -c $$< -o $$@
endef
define host_program
$(1)/$(4): $(patsubst %.c,$(1)/%.o,tests/host/$(4).c $(HOST_LIB_SRCS))
	$$(Q)$(2) $(3) $$^ -o $$@
-include $(patsubst %.c,$(1)/%.d,tests/host/$(4).c $(HOST_LIB_SRCS))
endef

# ---- The fuzzer: `make fuzz-vmatree OPS=10000000 SEED=42` runs the seeded one under ASan and
# UBSan; `make libfuzz-vmatree [FUZZ_SECONDS=60]` the same engine under libFuzzer (clang). ----
OPS ?= 1000000
SEED ?= 1
fuzz-vmatree: $(HOST_FUZZ_BIN)
	$(HOST_FUZZ_BIN) $(OPS) $(SEED)

# ---- The address-space operations against their page-granular model: `make fuzz-mmap
# OPS=10000000 SEED=1` (ASan, UBSan; host-test runs 10^6 steps of seed 1). Every object is
# rebuilt with 8-entry tables below a 2^13-entry root (HOST_PT_INDEX_BITS=3): the fuzzer's
# 192-page window then spans 24 level-0 tables (8 pages each) and 3 level-1 tables (64 pages),
# two of them whole, so that freeing tables, allocating them ahead of a move and moving entries
# from table to table all happen, as they cannot inside one 512-entry table. ----
HOST_SMALLPT_CFLAGS := $(HOST_CFLAGS) -DHOST_PT_INDEX_BITS=3 -DHOST_PT_ROOT_INDEX_BITS=13
$(eval $(call host_variant_rule,$(HOST_SMALLPT_DIR),SMALLCC,$(HOST_CC),$(HOST_SMALLPT_CFLAGS)))
$(eval $(call host_program,$(HOST_SMALLPT_DIR),$(HOST_CC),$(HOST_SMALLPT_CFLAGS),fuzz_mmap))
# A smaller quarantine than ASan's 256 MiB: the fuzzer frees many small objects, and it halves
# the run time (the freed memory is still poisoned while it waits).
HOST_FUZZ_MMAP_ENV := ASAN_OPTIONS=quarantine_size_mb=16:malloc_context_size=2
fuzz-mmap: $(HOST_FUZZ_MMAP_BIN)
	$(HOST_FUZZ_MMAP_ENV) $(HOST_FUZZ_MMAP_BIN) $(OPS) $(SEED)

HOST_FUZZ_DIR := build/host-libfuzz
HOST_FUZZ_CC ?= clang
HOST_FUZZ_CFLAGS := $(HOST_NOSAN_CFLAGS) -O1 -fsanitize=fuzzer-no-link,address,undefined
$(eval $(call host_variant_rule,$(HOST_FUZZ_DIR),FUZZCC ,$(HOST_FUZZ_CC),$(HOST_FUZZ_CFLAGS)))
$(eval $(call host_program,$(HOST_FUZZ_DIR),$(HOST_FUZZ_CC),\
	$(HOST_FUZZ_CFLAGS) -fsanitize=fuzzer,libfuzz_vma_tree))

FUZZ_SECONDS ?= 60
libfuzz-vmatree: $(HOST_FUZZ_DIR)/libfuzz_vma_tree
	@mkdir -p $(HOST_FUZZ_DIR)/corpus
	$(HOST_FUZZ_DIR)/libfuzz_vma_tree -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		$(HOST_FUZZ_DIR)/corpus

# ---- The unit tests that start threads, under ThreadSanitizer, with the VMA tree validating
# itself after every write. ----
HOST_TSAN_DIR := build/host-tsan
HOST_TSAN_CFLAGS := $(HOST_NOSAN_CFLAGS) -O1 -fsanitize=thread -DVMA_TREE_DEBUG
$(eval $(call host_variant_rule,$(HOST_TSAN_DIR),TSANCC ,$(HOST_CC),$(HOST_TSAN_CFLAGS)))
$(foreach t,$(HOST_THREADED_TESTS),\
	$(eval $(call host_program,$(HOST_TSAN_DIR),$(HOST_CC),$(HOST_TSAN_CFLAGS),$(t))))
HOST_TSAN_BINS := $(addprefix $(HOST_TSAN_DIR)/,$(HOST_THREADED_TESTS))
HOST_TSAN_ENV := TSAN_OPTIONS="halt_on_error=1 exitcode=66"

# ---- `make bench-vmatree`: lookups against a sorted array, -O2 and no sanitizers. ----
HOST_BENCH_DIR := build/host-bench
HOST_BENCH_CFLAGS := $(HOST_NOSAN_CFLAGS) -O2
$(eval $(call host_variant_rule,$(HOST_BENCH_DIR),BENCHCC,$(HOST_CC),$(HOST_BENCH_CFLAGS)))
$(eval $(call host_program,$(HOST_BENCH_DIR),$(HOST_CC),$(HOST_BENCH_CFLAGS),bench_vma_tree))

bench-vmatree: $(HOST_BENCH_DIR)/bench_vma_tree
	$(HOST_BENCH_DIR)/bench_vma_tree

# ---- The page-table walker once more with a root wider than the other levels (ppc64's radix
# tree has 13 root bits over 9-bit levels): every object rebuilt with HOST_PT_ROOT_INDEX_BITS. ----
HOST_WIDEROOT_DIR := build/host-wideroot
HOST_WIDEROOT_CFLAGS := $(HOST_CFLAGS) -DHOST_PT_ROOT_INDEX_BITS=11
$(eval $(call host_variant_rule,$(HOST_WIDEROOT_DIR),WIDECC ,$(HOST_CC),$(HOST_WIDEROOT_CFLAGS)))
$(eval $(call host_program,$(HOST_WIDEROOT_DIR),$(HOST_CC),$(HOST_WIDEROOT_CFLAGS),test_pgtable))

# The user programs of every arch, which test_elf and test_elf_fuzz read (build/<arch>/user/):
# built by each arch's own rules (tests/user/user.mk), with the cross compilers.
HOST_USER_ARCHES := x86_64 arm64 ppc64
.PHONY: host-user-programs
host-user-programs:
	$(Q)$(foreach a,$(HOST_USER_ARCHES),$(MAKE) --no-print-directory ARCH=$(a) user &&) true

# pgtable's default is 400 random operations, each verified over a whole 1 GiB window. A broken
# twin's line names what caught it: ThreadSanitizer's report, a panic or the test's own first
# complaint.
host-test: $(HOST_BINS) $(HOST_FUZZ_BIN) $(HOST_FUZZ_MMAP_BIN) $(HOST_TSAN_BINS) \
		$(HOST_WIDEROOT_DIR)/test_pgtable host-user-programs
	@set -e; for t in $(HOST_BINS); do \
		$$t > $$t.log || { cat $$t.log; echo "FAILED: $$t"; exit 1; }; \
		tail -n 1 $$t.log; done
	@t=$(HOST_WIDEROOT_DIR)/test_pgtable; $$t 100 > $$t.log || \
		{ cat $$t.log; echo "FAILED: $$t"; exit 1; }; echo "wide root: $$(tail -n 1 $$t.log)"
	@t=$(HOST_FUZZ_BIN); $$t 1000000 1 > $$t.log || \
		{ cat $$t.log; echo "FAILED: $$t"; exit 1; }; tail -n 1 $$t.log
	@t=$(HOST_FUZZ_MMAP_BIN); $(HOST_FUZZ_MMAP_ENV) $$t 1000000 1 > $$t.log 2>&1 || \
		{ tail -n 30 $$t.log; echo "FAILED: $$t"; exit 1; }; tail -n 1 $$t.log
	@set -e; for t in $(HOST_TSAN_BINS); do \
		$(HOST_TSAN_ENV) $$t > $$t.log 2>&1 || { cat $$t.log; echo "FAILED: $$t"; exit 1; }; \
		echo "TSan: $$(tail -n 1 $$t.log)"; done
	@set -e; for t in $(addprefix $(HOST_DIR)/,$(HOST_THREADED_TESTS)) $(HOST_TSAN_BINS); do \
		n=$${t##*/test_}; b=$${t%/*}; \
		if $(HOST_TSAN_ENV) $$t --busted > $$t-busted.log 2>&1; then cat $$t-busted.log; \
			echo "FAILED: $$t --busted passed: the test cannot see the bug"; exit 1; fi; \
		echo "$$n --busted in $${b#build/}: caught, as it must be: $$(grep -m1 -o \
			-e 'ThreadSanitizer: [a-z -]*' -e 'KERNEL PANIC.*' -e "^$$n: .*" \
			$$t-busted.log | head -n 1)"; \
		done
.SECONDARY:
