# Faultline: one entry point for every arch.
#   make [ARCH=x86_64|arm64|ppc64]   build build/<arch>/faultline.elf (and the GRUB ISO on
#                              x86_64, the Image faultline.bin on arm64, the -bios stub on ppc64)
#   make run             build and boot in QEMU with a command line that shows the kernel working
#   make test            host unit tests, the fault strategies' SPIN models (tools/models), gdb's
#                        helpers on every arch (tools/gdb-test), the cheap mutants (tools/mutants
#                        --cheap), a tiny torture campaign (tools/torture-campaign-test), then
#                        every boot the test matrix lists (tools/test-matrix)
#   make help            every target
ARCH ?= x86_64
BUILD := build/$(ARCH)
V ?= 0
Q := $(if $(filter 1,$(V)),,@)

# Each arch says how it is built in arch/<arch>/arch.mk: CROSS, ARCH_CFLAGS, ARCH_SRCS (generic
# files only it needs, e.g. its boot protocol), ARCH_NOT_KERNEL (patterns of files under
# arch/<arch>/ that are not part of the kernel), IMAGES, and rules for images beyond the ELF.
ifeq ($(wildcard arch/$(ARCH)/arch.mk),)
$(error ARCH=$(ARCH) is not ported; the ports are the directories under arch/ with an arch.mk)
endif
include arch/$(ARCH)/arch.mk

CC := $(CROSS)gcc
LD := $(CROSS)ld
OBJCOPY := $(CROSS)objcopy
NM := $(CROSS)nm

WARN := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-builtin-printf -fno-pic -fno-pie \
	-fno-stack-protector -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-fno-strict-aliasing -fno-tree-loop-distribute-patterns -fno-common -fno-toplevel-reorder \
	-ffile-prefix-map=$(CURDIR)/= -I. -Iarch/$(ARCH) $(ARCH_CFLAGS) -MMD -MP
ASFLAGS := $(CFLAGS) -D__ASSEMBLY__
LDFLAGS := -nostdlib -static -z noexecstack -z max-page-size=0x1000 --no-warn-rwx-segments

# The kernel is every .c and .S file under these directories and arch/$(ARCH)/, at any depth: a
# new file or folder (mm/fault/, say) is built without a change here. tests/kernel/arch/<arch>/
# (a port's own hardware tests) is built for that arch only. The link order, which is the order
# of the suites, parameters and torture suites registered in linker sections, is that of the
# directories below, each one's files sorted by path. A file under arch/<arch>/ that is not
# kernel code is named in the arch's ARCH_NOT_KERNEL (ppc64's -bios stub).
KERNEL_DIRS := kernel lib mm tests/kernel
find_sources = $(filter-out tests/kernel/arch/%,$(sort $(shell find $(1) -type f -name '$(2)')))
PORT_DIRS := arch/$(ARCH) $(wildcard tests/kernel/arch/$(ARCH))
find_port_sources = $(filter-out $(ARCH_NOT_KERNEL),$(sort $(shell find $(PORT_DIRS) -type f \
	-name '$(1)')))
KERNEL_SRCS := $(foreach d,$(KERNEL_DIRS),$(call find_sources,$(d),*.c)) boot/boot_info.c \
	$(call find_port_sources,*.c) $(ARCH_SRCS)
KERNEL_ASM := $(foreach d,$(KERNEL_DIRS),$(call find_sources,$(d),*.S)) \
	$(call find_port_sources,*.S)
KERNEL_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(KERNEL_SRCS)) \
	$(patsubst %.S,$(BUILD)/obj/%.o,$(KERNEL_ASM))
# The list itself, rewritten only when it changes: a removed or renamed file relinks the image.
SOURCES_LIST := $(BUILD)/sources.list
$(shell mkdir -p $(BUILD) && echo '$(KERNEL_SRCS) $(KERNEL_ASM)' | cmp -s - $(SOURCES_LIST) || \
	echo '$(KERNEL_SRCS) $(KERNEL_ASM)' > $(SOURCES_LIST))

.PHONY: all run test host-test kernel-test torture bench bench-kernel clean help deps fuzz user \
	compile_commands.json fuzz-vmatree fuzz-mmap libfuzz-vmatree bench-vmatree debug gdb-test mutants \
	models torture-campaign campaign-test campaign-ssh-test
# The user programs and their initramfs (tests/user/user.mk) are built with the kernel: every
# boot of tools/qemu-run passes build/<arch>/initramfs.cpio when it exists.
all: $(IMAGES) $(BUILD)/initramfs.cpio

$(BUILD)/obj/%.o: %.c Makefile arch/$(ARCH)/arch.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.S Makefile arch/$(ARCH)/arch.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(ASFLAGS) -c $< -o $@

$(BUILD)/linker.ld: linker.ld arch/$(ARCH)/layout.h kernel/percpu_defs.h Makefile
	@mkdir -p $(dir $@)
	$(Q)$(CC) -E -P -x c -I. -Iarch/$(ARCH) -D__ASSEMBLY__ -D__LINKER__ $< -o $@

# A registration that did not reach the image (a source not built, a section the linker script
# misplaces) fails the build here, naming it, and the image is deleted (tools/check-registrations).
$(BUILD)/faultline.elf: $(KERNEL_OBJS) $(BUILD)/linker.ld $(SOURCES_LIST) tools/check-registrations
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) $(LDFLAGS) -T $(BUILD)/linker.ld -o $@ $(KERNEL_OBJS)
	@$(if $(Q),echo "  CHECK   $@: registrations")
	$(Q)tools/check-registrations --nm $(NM) $(ARCH) $@ $(KERNEL_SRCS) || \
		{ rm -f $@; echo "check-registrations: $@ deleted" >&2; exit 1; }

$(eval $(ARCH_IMAGE_RULES))

include tests/user/user.mk

-include $(KERNEL_OBJS:.o=.d)

# ---- running and testing ----
RUN_CMDLINE ?= test=all
SMP ?= 2
MEM ?= 512M

deps:
	$(Q)tools/install-deps

run: deps all
	tools/qemu-run $(ARCH) --smp $(SMP) --mem $(MEM) -- $(RUN_CMDLINE)

# Boot halted under QEMU's gdb stub and debug it: gdb-multiarch with the ELF's symbols and
# tools/gdb/faultline.py (docs/debugging.md). The console goes to build/<arch>/debug-console.log.
debug: deps all
	tools/debug $(ARCH) --smp $(SMP) --mem $(MEM) -- $(RUN_CMDLINE)

# gdb in batch mode against a halted boot: every helper of faultline.py, checked (a few s/arch).
GDB_TEST_ARCHES ?= $(ARCH)
gdb-test: deps
	$(foreach a,$(GDB_TEST_ARCHES),$(MAKE) ARCH=$(a) all &&) true
	tools/gdb-test $(GDB_TEST_ARCHES)

include tests/host/host.mk

kernel-test: deps all
	tools/test-matrix $(ARCH)

test: deps
	$(MAKE) host-test
	tools/models
	$(MAKE) ARCH=x86_64 all
	$(MAKE) ARCH=arm64 all
	$(MAKE) ARCH=ppc64 all
	tools/gdb-test x86_64 arm64 ppc64
	tools/mutants --cheap --arch x86_64
	tools/torture-campaign-test
	tools/test-matrix x86_64 arm64 ppc64

# A long torture run of every suite on one arch, after the long manual tests (10^5 cross-CPU
# wait-queue and completion hand-offs, 10^5 rounds of a fault against munmap, mprotect and
# mremap, 10^5 operations of the reverse-map check; test=all does a quick pass of each), under
# one fault strategy: make torture
# [TORTURE_SECONDS=600] [SMP=4] [FAULT=spf] [TORTURE_FLAGS=--singlestep] (interrupts between any
# two instructions; several times slower)
TORTURE_SECONDS ?= 300
TORTURE_FLAGS ?=
TORTURE_TESTS ?= waitqueue.producer_consumer_long,completion.ping_pong_long,fault_race,fork.rmap_finds_every_mapping,fork.rmap_finds_every_mapping_relaxed
FAULT ?= mmap_lock
torture: deps all
	tools/qemu-run $(ARCH) --smp $(SMP) --mem $(MEM) $(TORTURE_FLAGS) \
		--timeout $$(( $(TORTURE_SECONDS) * 5 + 900 )) -- mm.fault=$(FAULT) \
		test=$(TORTURE_TESTS) fault_race.rounds=100000 rmap.ops=100000 \
		torture=rcu,lock,rangelock,vmatree,slab,mm torture.seconds=$(TORTURE_SECONDS)

# Torture campaigns (tools/torture-campaign; the scenarios are the files of tests/torture/): every
# scenario again and again with new seeds, through GNU parallel, for HOURS (default 1), SECONDS or
# ROUNDS; JOBS boots at once on each machine (default one per two cores), on this machine or on
# the ssh logins of the file HOSTS; RUN_SECONDS: torture.seconds of each run (default 30);
# SCENARIOS='names or globs'. Logs and the summary: build/torture-campaign/STAMP/.
HOURS ?=
SECONDS ?=
ROUNDS ?=
JOBS ?=
HOSTS ?=
RUN_SECONDS ?=
SCENARIOS ?=
torture-campaign: deps
	tools/torture-campaign $(if $(SECONDS),--seconds $(SECONDS),$(if $(ROUNDS),--rounds \
		$(ROUNDS),--hours $(or $(HOURS),1))) $(if $(JOBS),--jobs $(JOBS)) \
		$(if $(HOSTS),--hosts $(HOSTS)) $(if $(RUN_SECONDS),--run-seconds $(RUN_SECONDS)) \
		$(foreach s,$(SCENARIOS),'$(s)')

# The campaign tool itself (make test runs the first): a tiny campaign with a twin, a broken one
# whose replay must fail again; and, opt-in, the remote path through a private sshd on 127.0.0.1
# (root and openssh-server).
campaign-test: deps
	tools/torture-campaign-test
campaign-ssh-test: deps
	tools/torture-campaign-test --ssh

# The fault strategies as Promela models (docs/mm/models/README.md): each must verify under SPIN,
# each broken twin must fail with a counterexample (build/models/NAME.txt); under a minute.
models: deps
	tools/models

# Mutation testing: each tests/mutants/NAME.patch (a small deliberate breakage) is applied to a
# scratch copy of the tree, built and booted with the command that must kill it; fails if one
# survives or no longer applies. make mutants [MUTANTS='name ...'] [MUTANTS_FLAGS=--cheap]
MUTANTS ?=
MUTANTS_FLAGS ?=
mutants: deps
	tools/mutants --arch $(ARCH) $(MUTANTS_FLAGS) $(MUTANTS)

# vmbench (tests/user/vmbench.c) on Faultline, once per fault strategy, and on Debian's stock
# Linux (tools/linux-anchor), alternately, for BENCH_REPS repetitions on each of BENCH_ARCHES
# with BENCH_CPUS CPUs, and the merge benchmark (test=bench_merge, BENCH_MERGE_STEPS) once per
# arch: build/bench/results.csv, summary.md and plots/ (tools/bench says more).
BENCH_ARCHES ?= x86_64
BENCH_REPS ?= 5
BENCH_SECONDS ?= 2
BENCH_CPUS ?= 1,2,4
BENCH_STRATEGIES ?= all
BENCH_MERGE_STEPS ?= 2000
bench: deps
	tools/bench --arches "$(BENCH_ARCHES)" --reps $(BENCH_REPS) --seconds $(BENCH_SECONDS) \
		--cpus $(BENCH_CPUS) --strategies $(BENCH_STRATEGIES) \
		--merge-steps $(BENCH_MERGE_STEPS)

# In-kernel benchmarks (BENCH lines on the console): VMA tree lookups on one CPU; slab
# alloc+free pairs through the per-CPU magazines against the shared path, on one CPU and on
# two at once (debug.slab=0: the poison's memset and check would hide the allocator); the page
# fault and mm workloads Linux is measured on, with their floors, on one CPU and on SMP
# (windows of BENCH_SECONDS; 1G so that each CPU's region is Linux's 128 MiB; debug.locks=0:
# the lock checker takes a global lock at every acquisition; docs/mm/fault.md, "Measuring").
bench-kernel: deps all
	tools/qemu-run $(ARCH) --smp 1 --mem 1G --timeout 900 -- test=bench_vmatree
	tools/qemu-run $(ARCH) --smp 2 --timeout 300 -- test=bench_slab debug.slab=0
	tools/qemu-run $(ARCH) --smp $(SMP) --mem 1G \
		--timeout $$(( $(firstword $(subst ., ,$(BENCH_SECONDS))) * 20 + 300 )) \
		-- test=bench_fault bench.seconds=$(BENCH_SECONDS) debug.locks=0 debug.slab=0

compile_commands.json:
	$(Q)tools/compile-commands "$(CC) $(CFLAGS)" $(KERNEL_SRCS) $(KERNEL_ASM) > $@
	@echo "wrote $@"

clean:
	rm -rf build compile_commands.json

# What make help prints.
define HELP_TEXT
make [ARCH=x86_64|arm64|ppc64] build build/<arch>/faultline.elf (+ .iso, .bin, bootrom.bin)
make run                   build, boot in QEMU (RUN_CMDLINE='$(RUN_CMDLINE)' SMP=$(SMP) MEM=$(MEM))
make test                  host tests, the SPIN models, a tiny torture campaign, then every
                           boot of tools/test-matrix; what CI runs
make host-test             host unit tests of kernel sources under ASan and UBSan (and TSan)
make fuzz-vmatree          the VMA tree's model-based fuzzer, ASan (OPS=$(OPS) SEED=$(SEED))
make fuzz-mmap             mmap and friends against a page-granular model, ASan (OPS=, SEED=)
make libfuzz-vmatree       the same engine under libFuzzer, clang (FUZZ_SECONDS=$(FUZZ_SECONDS))
make bench-vmatree         VMA tree lookups against a sorted array, -O2: BENCH lines
make kernel-test           the boots of tools/test-matrix for ARCH only
make user                  the user programs of ARCH and build/ARCH/initramfs.cpio (docs/user.md)
make debug                 boot ARCH halted, attach gdb-multiarch (docs/debugging.md)
make gdb-test              check gdb and its helpers on GDB_TEST_ARCHES (default ARCH)
make bench                 vmbench on Faultline (each strategy) and stock Linux, alternately,
                           and the merge benchmark under both mm.merge= policies:
                           build/bench/results.csv, summary.md, plots/ (BENCH_ARCHES=$(BENCH_ARCHES)
                           BENCH_REPS=$(BENCH_REPS) BENCH_SECONDS=$(BENCH_SECONDS) BENCH_CPUS=$(BENCH_CPUS))
make bench-kernel          in-kernel benchmarks: VMA tree lookups, slab alloc+free, page faults
                           and mm operations (BENCH_SECONDS=$(BENCH_SECONDS), SMP=); BENCH lines
make torture               the long hand-off and fault-race tests, then every torture suite for
                           TORTURE_SECONDS (default $(TORTURE_SECONDS)) each, on ARCH, under
                           FAULT=$(FAULT) (an mm.fault= strategy)
                           (TORTURE_FLAGS=--singlestep: one instruction per TCG block)
make models                the fault strategies' SPIN models: each verifies, each twin fails
make mutants               each tests/mutants/ patch on ARCH: killed or not
                           (MUTANTS='name ...', MUTANTS_FLAGS=--cheap)
make torture-campaign      the scenarios of tests/torture/ again and again with new seeds,
                           through GNU parallel, and a summary (HOURS=1 or SECONDS= or ROUNDS=,
                           JOBS=, HOSTS=, RUN_SECONDS=, SCENARIOS='name or glob ...')
make campaign-test         a tiny campaign that checks tools/torture-campaign (in make test);
                           campaign-ssh-test: the same through ssh to 127.0.0.1
make deps                  install the Debian packages the project needs (tools/install-deps)
make compile_commands.json for clangd
make clean                 remove build/
endef
help:
	@: $(info $(HELP_TEXT))
