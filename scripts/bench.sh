#!/usr/bin/env bash
# `make bench`: builds what the benchmark needs (Marten's kernel, the bench
# programs and initramfs, the harness) and runs target/release/mbench-run
# with the arguments given, e.g.
#   scripts/bench.sh                      the icount pass (headline), then real time
#   scripts/bench.sh --mode icount        the deterministic pass only
#   scripts/bench.sh --linux-only --rounds 1
#   scripts/bench.sh -- getppid pipe_rtt_1b
#   scripts/bench.sh --help
# The tables are printed; bench/results/<date>.{json,md,svg} are written.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh --user

# Marten's kernel is built unless it is not wanted or another one is given.
build_marten=1
for a in "$@"; do
  case "$a" in
    --linux-only | --kernel | -h | --help) build_marten=0 ;;
    --) break ;;
  esac
done
if [ "$build_marten" = 1 ] && ! make -s kernel >/dev/null; then
  echo "bench: building Marten failed; its figures will be n/a" >&2
fi

# /dev/mymem for Linux: our module, built against the bench kernel's headers.
build_module=1
for a in "$@"; do
  case "$a" in
    --marten-only | -h | --help) build_module=0 ;;
    --) break ;;
  esac
done
rm -f build/bench/mymem.ko build/bench/mymem.why
if [ "$build_module" = 1 ] && ! bench/mymem/build.sh >/dev/null; then
  echo "bench: no mymem.ko for Linux; its /dev/mymem figures will be n/a" >&2
fi

cargo build --release -q -p marten-bench -p marten-mkinitramfs

# Linux's kernel and its virtio disk modules, which the initramfs carries.
if [ "$build_module" = 1 ] && ! "${CARGO_TARGET_DIR:-target}/release/mbench-run" --fetch-linux >/dev/null; then
  echo "bench: no Linux kernel or virtio modules; Linux's disk figures will be n/a" >&2
fi
bench/build.sh >/dev/null
exec "${CARGO_TARGET_DIR:-target}/release/mbench-run" "$@"
