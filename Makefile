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

# make run and make debug boot the busybox user land of run-image unless
# INITRD names another image; KSHELL=1 adds the `kshell` word. `quiet`
# keeps all but errors of the kernel log off the console, as a distribution's
# boot loader does (dmesg has everything; APPEND=loglevel=7 shows it).
RUN_IMAGE := build/initrd-run.cpio.gz
RUN_INITRD = $(if $(strip $(INITRD)),$(INITRD),$(RUN_IMAGE))
RUN_APPEND = $(strip quiet $(APPEND) $(if $(filter-out 0 no,$(KSHELL)),kshell))
RUN_OPTS = --kernel $(KERNEL) --initrd "$(RUN_INITRD)" --append "$(RUN_APPEND)" \
           --smp $(SMP) --mem $(MEM) --accel "$(ACCEL)" --machine $(MACHINE)
RUN_DEPS = kernel tools $(if $(strip $(INITRD)),,run-image)

.PHONY: all deps kernel tools run-image run debug test bench clean

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

run: $(RUN_DEPS)
	@$(MRUN) run $(RUN_OPTS)

debug: $(RUN_DEPS)
	@echo "QEMU waits for gdb on localhost:1234 (see README.md)"
	@$(MRUN) run --gdb $(RUN_OPTS)

test: deps
	@scripts/test.sh

# Marten against Linux on the same QEMU; BENCH_ARGS go to mbench-run
# (e.g. BENCH_ARGS="--rounds 5" or "--mode icount"); see bench/README.md.
bench: deps
	@scripts/bench.sh $(BENCH_ARGS)

clean:
	$(CARGO) clean
	rm -rf build
