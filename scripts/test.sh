#!/usr/bin/env bash
# `make test`: every test tier, in order. Keeps going after a failure so the
# report is complete; the last line is "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."

PASSED=0
FAILED=0
FAILED_STEPS=()
LOG=build/test-logs
mkdir -p "$LOG"

# step NAME COMMAND...: one check that passes when the command succeeds.
step() {
  local name=$1; shift
  printf '== %s\n' "$name"
  if "$@" >"$LOG/$name.log" 2>&1; then
    PASSED=$((PASSED + 1))
  else
    FAILED=$((FAILED + 1)); FAILED_STEPS+=("$name")
    tail -n 60 "$LOG/$name.log"
  fi
}

# counted NAME PATTERN COMMAND...: adds the "N passed, M failed" counts the
# command prints (summed over lines matching PATTERN); a command that fails
# without reporting a failure counts as one failure.
counted() {
  local name=$1 pattern=$2; shift 2
  printf '== %s\n' "$name"
  "$@" >"$LOG/$name.log" 2>&1
  local rc=$?
  local p f
  p=$(grep -E "$pattern" "$LOG/$name.log" | grep -oE '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
  f=$(grep -E "$pattern" "$LOG/$name.log" | grep -oE '[0-9]+ failed' | awk '{s+=$1} END {print s+0}')
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
  if [ "$f" -ne 0 ]; then
    FAILED_STEPS+=("$name")
    tail -n 80 "$LOG/$name.log"
  fi
  printf '   %s passed, %s failed\n' "$p" "$f"
}

scripts/deps.sh --user || { echo "0 passed, 1 failed"; exit 1; }

# Tier 1: style.
step fmt cargo fmt --all --check
step clippy-host cargo clippy --all-targets -q -- -D warnings
step clippy-kernel cargo clippy -q -p marten-kernel -p marten-hal --target x86_64-unknown-none -- -D warnings

# Tier 2: host unit and property tests.
counted host-tests '^test result:' cargo test -q

# Tier 3: in-kernel tests under QEMU, with -icount: guest time is a function
# of the instructions executed, so the tests that measure time (clock
# against timer ticks, sleeps) give the same answer on a loaded host. The
# stress tests that want real interleavings run in tests/e2e/stress.script.
step build-kernel make -s kernel tools
counted ktest '^ktest: [0-9]+ passed' target/release/mrun ktest --quiet --icount 3 --kernel build/marten

# Tier 4: end-to-end sessions over the serial console, with the user
# programs of user/ and Debian's busybox in an initramfs, and the busybox
# user land of `make run` (tests/e2e/userland.script).
step build-user scripts/build-user.sh
step build-run-image env OVERLAY= EXTRA= scripts/build-run-image.sh   # without overlay/
step build-bench bench/build.sh
counted e2e '^e2e:' target/release/mrun script --quiet --kernel build/marten tests/e2e/*.script

# Crash consistency of ext2: QEMU killed at a chosen moment of a disk
# workload, then `e2fsck -p` must repair without asking and every fsync'd
# file must be intact. A few runs here; `make crash-test` runs 50.
counted crash-disk '^crash:' scripts/crash-disk.sh 6 1

echo
if [ "${#FAILED_STEPS[@]}" -gt 0 ]; then
  echo "failed: ${FAILED_STEPS[*]} (logs in $LOG/)"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
