# Marten's build, run and test entry points. See README.md.

CARGO     ?= cargo
TARGET    := x86_64-unknown-none
KERNEL    := build/marten
KERNEL_RAW := target/$(TARGET)/release/marten
MRUN      := target/release/mrun
KSYMS     := target/release/ksyms

INITRD ?=
APPEND ?=
# make run: KSHELL=1 boots the kernel shell instead of busybox init; EXTRA
# lists static programs to copy into /bin of the image, and OVERLAY's tree
# is copied over its root (see README.md).
KSHELL ?=
EXTRA  ?=
OVERLAY ?= overlay
SMP    ?= 1
MEM    ?= 256M
ACCEL  ?=
MACHINE ?= pc

# make run and make debug boot the busybox user land from the persistent
# ext2 disk DISK (made on first use from run-image's tree, then kept: files
# made in one boot are there in the next) with root=/dev/vda, unless INITRD
# names an initramfs to boot instead (DISK= for none); KSHELL=1 adds the
# `kshell` word. `quiet` keeps all but errors of the kernel log off the
# console, as a distribution's boot loader does (dmesg has everything;
# APPEND=loglevel=7 shows it).
DISK ?= build/disk.img
comma := ,
RUN_IMAGE := build/initrd-run.cpio.gz
RUN_ON_DISK = $(if $(strip $(INITRD)),,$(strip $(DISK)))
RUN_INITRD = $(if $(strip $(INITRD)),$(INITRD),$(if $(RUN_ON_DISK),,$(RUN_IMAGE)))
RUN_APPEND = $(strip quiet $(if $(RUN_ON_DISK),root=/dev/vda rw) $(APPEND) $(if $(filter-out 0 no,$(KSHELL)),kshell))
RUN_OPTS = --kernel $(KERNEL) --initrd "$(RUN_INITRD)" --append "$(RUN_APPEND)" \
           --smp $(SMP) --mem $(MEM) --accel "$(ACCEL)" --machine $(MACHINE) \
           $(if $(RUN_ON_DISK),-- -drive file=$(RUN_ON_DISK)$(comma)if=virtio$(comma)format=raw)
RUN_DEPS = kernel tools $(if $(strip $(INITRD)),,run-image) $(if $(RUN_ON_DISK),disk-image)

.PHONY: all deps kernel tools run-image disk-image run debug test crash-test bench clean

all: kernel

deps:
	@scripts/deps.sh

tools: deps
	@$(CARGO) build --release -q -p marten-runner -p marten-ksyms-tool -p marten-mkinitramfs

# The kernel ELF, with its symbol table written in after linking.
kernel: deps
	@$(CARGO) build --release -p marten-kernel --target $(TARGET)
	@$(CARGO) build --release -q -p marten-ksyms-tool
	@mkdir -p build
	@cp $(KERNEL_RAW) $(KERNEL).tmp
	@$(KSYMS) $(KERNEL).tmp
	@mv $(KERNEL).tmp $(KERNEL)
	@echo $(abspath $(KERNEL))

# The initramfs of make run: busybox, /etc, EXTRA programs and overlay/.
run-image: tools
	@scripts/deps.sh --busybox
	@EXTRA="$(EXTRA)" OVERLAY="$(OVERLAY)" scripts/build-run-image.sh -o $(RUN_IMAGE)

# The root disk of make run (left alone once it exists).
disk-image: run-image
	@scripts/deps.sh --user
	@scripts/build-disk-image.sh $(DISK)

run: $(RUN_DEPS)
	@$(MRUN) run $(RUN_OPTS)

debug: $(RUN_DEPS)
	@echo "QEMU waits for gdb on localhost:1234 (see README.md)"
	@$(MRUN) run --gdb $(RUN_OPTS)

test: deps
	@scripts/test.sh

# ext2 crash consistency: CRASH_RUNS boots killed at chosen moments of a
# disk workload, each checked by e2fsck -p and the fsync'd files (see
# scripts/crash-disk.sh).
CRASH_RUNS ?= 50
crash-test: kernel run-image
	@scripts/deps.sh --user
	@scripts/crash-disk.sh $(CRASH_RUNS)

# Marten against Linux on the same QEMU; BENCH_ARGS go to mbench-run
# (e.g. BENCH_ARGS="--rounds 5" or "--mode icount"); see bench/README.md.
bench: deps
	@scripts/bench.sh $(BENCH_ARGS)

clean:
	$(CARGO) clean
	rm -rf build
