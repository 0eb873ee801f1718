# Marten's build, run and test entry points. See README.md.

CARGO     ?= cargo
TARGET    := x86_64-unknown-none
KERNEL    := build/marten
KERNEL_RAW := target/$(TARGET)/release/marten
MRUN      := target/release/mrun
KSYMS     := target/release/ksyms

INITRD ?=
APPEND ?=
SMP    ?= 1
MEM    ?= 256M
ACCEL  ?=
MACHINE ?= pc

MACHINE_OPTS = --kernel $(KERNEL) --initrd "$(INITRD)" --append "$(APPEND)" \
               --smp $(SMP) --mem $(MEM) --accel "$(ACCEL)" --machine $(MACHINE)

.PHONY: all deps kernel tools run debug test bench clean

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

run: kernel tools
	@$(MRUN) run $(MACHINE_OPTS)

debug: kernel tools
	@echo "QEMU waits for gdb on localhost:1234 (see README.md)"
	@$(MRUN) run --gdb $(MACHINE_OPTS)

test: deps
	@scripts/test.sh

# Marten against Linux on the same QEMU; BENCH_ARGS go to mbench-run
# (e.g. BENCH_ARGS="--rounds 5" or "--mode icount"); see bench/README.md.
bench: deps
	@scripts/bench.sh $(BENCH_ARGS)

clean:
	$(CARGO) clean
	rm -rf build
