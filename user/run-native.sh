#!/usr/bin/env bash
# Runs the user-space tests natively on this Linux host, to validate the tests
# themselves (every one must pass on real Linux). Build them first with
# scripts/build-user.sh. Last line: "native: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=build/user/bin
export MARTEN_TEST_ROOT=$PWD/build/user/root   # host copy of the image's /etc/motd

[ -x "$BIN/t_basic" ] || { echo "run-native: build first: scripts/build-user.sh"; exit 1; }

PASSED=0
FAILED=0
# run WANT_EXIT PROGRAM ARGS...: adds the program's own counts; a wrong exit
# status adds one failure.
run() {
  local want=$1; shift
  local out rc p f
  out=$("$BIN/$1" "${@:2}" </dev/null 2>&1); rc=$?
  printf '%s\n' "$out"
  p=$(grep -oE '^[a-z_]+: [0-9]+ passed' <<<"$out" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)
  f=$(grep -oE '^[a-z_]+: [0-9]+ passed, [0-9]+ failed' <<<"$out" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || echo 0)
  PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
  if [ "$rc" -ne "$want" ]; then
    echo "not ok - $1 exited $rc, want $want"
    FAILED=$((FAILED + 1))
  fi
}

run 0 t_basic
run 0 t_mm
run 0 t_madvise
run 0 t_limits
run 0 t_fork
run 0 t_exec
run 0 t_script
run 0 t_cred
run 0 t_segv_all
run 0 t_sig
run 0 t_signal
run 0 t_popen
run 0 t_jobs
run 0 t_tty
run 0 t_timers
run 0 t_sched
run 0 t_signalfd
run 0 t_proc
run 0 t_locks
run 0 t_futex
run 0 t_ipc
run 0 t_clonevm
run 0 t_dev
if [ -e /dev/mymem ]; then
  run 0 t_mymem
else
  echo "SKIP t_mymem: /dev/mymem is absent (load bench/mymem's module to run it)"
fi
# t_blk destroys the disk it is given: only with T_BLK_DEV naming a scratch
# disk (a virtio disk or a loop device over a file of at least 400 KB), as root.
if [ -n "${T_BLK_DEV:-}" ]; then
  run 0 t_blk "$T_BLK_DEV"
else
  echo "SKIP t_blk: set T_BLK_DEV to a scratch block device (its data is destroyed; needs root)"
fi
# t_ext2 works in a directory on a mounted ext2 file system: only with
# T_EXT2_DIR naming one (as root; a small image, e.g. mke2fs -t ext2 of 24
# MiB on a loop device, so its full-disk check runs).
if [ -n "${T_EXT2_DIR:-}" ]; then
  run 0 t_ext2 "$T_EXT2_DIR"
else
  echo "SKIP t_ext2: set T_EXT2_DIR to a directory on a mounted ext2 file system (needs root)"
fi
run 0 t_perm
run 0 t_io
run 0 t_fifo
run 0 t_pipe
run 0 t_poll
run 0 t_epoll
run 0 t_procfs one "two words"
run 0 t_fpe
run 0 t_names
run 0 t_attrs
run 0 t_mounts
run 0 t_oom --max-mb 64
run 0 t_exhaust pipes 4 --max-mb 64
run 0 t_exhaust tmpfs --max-mb 32
run 0 t_exhaust inodes --max-mb 8
run 0 t_forkloop 1000
run 0 t_execloop 100
run 0 t_spin 500
run 0 t_pthread_mutex
run 0 t_pi
run 0 t_pthread_sync
run 0 t_pthread_life

# The /dev/mymem race: lock and ioctl must lose nothing (exit 0); nolock
# reports its losses and exits 0. Without the device it says so (exit 2).
if [ -e /dev/mymem ]; then
  for args in "lock 2" "lock 10 15000" "lock 50 3000" "ioctl 2" "ioctl 50 3000" "nolock 10 15000"; do
    # shellcheck disable=SC2086
    out=$("$BIN/mymem_race" $args 2>&1); rc=$?
    printf '%s\n' "$out"
    if [ "$rc" -eq 0 ]; then PASSED=$((PASSED + 1)); else
      echo "not ok - mymem_race $args exited $rc"; FAILED=$((FAILED + 1)); fi
  done
else
  "$BIN/mymem_race" lock   # prints that the device is missing
  echo "SKIP mymem_race: /dev/mymem is absent (load bench/mymem's module to run it)"
fi

# The busybox file-tools script, with the host's static busybox.
out=$(cd /tmp && BB=/bin/busybox /bin/busybox sh "$OLDPWD/user/scripts/t_files.sh" 2>&1); rc=$?
printf '%s\n' "$out"
p=$(grep -oE '^t_files: [0-9]+ passed' <<<"$out" | grep -oE '[0-9]+' || echo 0)
f=$(grep -oE '[0-9]+ failed' <<<"$out" | grep -oE '[0-9]+' || echo 1)
PASSED=$((PASSED + p)); FAILED=$((FAILED + f))

# rust-hello prints its own protocol: exit 3 and "rust-hello: done" mean success.
out=$(env -i FOO=bar "$BIN/rust-hello" one "two words" 2>&1); rc=$?
printf '%s\n' "$out"
if [ "$rc" -eq 3 ] && grep -qx 'rust-hello: done' <<<"$out" &&
   grep -qx 'rust-hello: argc=3' <<<"$out" && grep -qx 'argv\[2\]=two words' <<<"$out" &&
   grep -qx 'env FOO=bar' <<<"$out"; then
  PASSED=$((PASSED + 1))
else
  echo "not ok - rust-hello exited $rc or printed the wrong lines"
  FAILED=$((FAILED + 1))
fi

# rust-threads prints one line per check and "rust-threads: ok" when all passed.
out=$("$BIN/rust-threads" 2>&1); rc=$?
printf '%s\n' "$out"
if [ "$rc" -eq 0 ] && grep -qx 'rust-threads: ok' <<<"$out"; then
  PASSED=$((PASSED + 1))
else
  echo "not ok - rust-threads exited $rc or printed no 'rust-threads: ok'"
  FAILED=$((FAILED + 1))
fi
if [ -e /dev/mymem ]; then
  for mode in lock nolock; do
    out=$("$BIN/rust-threads" mymem $mode 10 15000 2>&1); rc=$?
    printf '%s\n' "$out"
    if [ "$rc" -eq 0 ]; then PASSED=$((PASSED + 1)); else
      echo "not ok - rust-threads mymem $mode exited $rc"; FAILED=$((FAILED + 1)); fi
  done
fi

echo "native: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
