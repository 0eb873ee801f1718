#!/usr/bin/env bash
# Crash consistency of ext2 on Marten: RUNS times (default 50), boot Marten
# with root=/dev/vda rw on a fresh copy of an ext2 image whose init is a
# shell workload (files created, appended, truncated, renamed, unlinked;
# directories made and removed; some files fsync'd, each announced on the
# serial line once `sync FILE` returned), kill QEMU at a random moment, then
# on the host: `e2fsck -p` must repair the image without asking (exit 0 or
# 1), and every file announced as fsync'd must read back intact.
# Usage: scripts/crash-disk.sh [RUNS] [SEED]. Needs build/marten, build/run-root
# (make run-image) and e2fsprogs.
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-50}
SEED=${2:-1}
WORK=${CRASH_WORK:-build/crash}
KERNEL=${KERNEL:-build/marten}
E2FSCK=$(command -v e2fsck || echo /sbin/e2fsck)
DEBUGFS=$(command -v debugfs || echo /sbin/debugfs)
MKE2FS=$(command -v mke2fs || echo /sbin/mke2fs)
rm -rf "$WORK"
mkdir -p "$WORK"

# The image: the busybox user land and the workload as /crash.sh.
cp -a build/run-root "$WORK/root"
cat > "$WORK/root/crash.sh" <<'SH'
#!/bin/sh
# The content of file N: a pattern the host can make again.
make() { yes "crash file $1 line" | head -c $(( ($1 * 7919) % 60000 + 100 )); }
mkdir -p /w/keep /w/churn
i=0
while :; do
  i=$((i + 1))
  d=/w/churn/d$((i % 8))
  mkdir -p $d
  make $i > $d/a$i
  make $((i + 1)) >> $d/a$((i - 3)) 2>/dev/null
  [ $((i % 3)) = 0 ] && mv $d/a$((i - 1)) $d/r$i 2>/dev/null
  [ $((i % 4)) = 0 ] && rm -f /w/churn/d$(((i + 3) % 8))/*
  [ $((i % 5)) = 0 ] && : > $d/a$((i - 2)) 2>/dev/null
  [ $((i % 7)) = 0 ] && rmdir /w/churn/d$(((i + 1) % 8)) 2>/dev/null
  if [ $((i % 2)) = 0 ]; then
    make $i > /w/keep/k$i && sync /w/keep/k$i && sync /w/keep && echo "FSYNCED k$i" > /dev/ttyS0
  fi
done
SH
chmod +x "$WORK/root/crash.sh"
"$MKE2FS" -q -F -t ext2 -d "$WORK/root" "$WORK/base.img" 64M

QBOOT=/usr/share/qemu/qboot.rom
bios=()
[ -f "$QBOOT" ] && bios=(-bios "$QBOOT")
failed=0
for run in $(seq 1 "$RUNS"); do
  img=$WORK/run.img
  log=$WORK/run$run.log
  cp "$WORK/base.img" "$img"
  # A kill time between 2 and 10 s, from the seed and the run number.
  ms=$(( ( (SEED * 7 + run) * 2731 ) % 8000 + 2000 ))
  # (In a subshell: the shell's "Killed" report goes nowhere.)
  ( timeout -s KILL "$(awk "BEGIN {print $ms / 1000}")" qemu-system-x86_64 \
    -kernel "$KERNEL" -append "console=ttyS0 root=/dev/vda rw init=/crash.sh" \
    -m 256M -machine pc -accel tcg -cpu max "${bios[@]}" -nodefaults -display none \
    -serial "file:$log" -no-reboot -drive "file=$img,if=virtio,format=raw" ) 2>/dev/null || true
  set +e
  "$E2FSCK" -p "$img" > "$WORK/fsck$run.log" 2>&1
  st=$?
  set -e
  synced=$(grep -ao 'FSYNCED k[0-9]*' "$log" | awk '{print $2}' || true)
  bad=""
  if [ "$st" -gt 1 ]; then bad="e2fsck -p exit $st"; fi
  n=0
  for k in $synced; do
    i=${k#k}
    want=$(yes "crash file $i line" | head -c $(( (i * 7919) % 60000 + 100 )) | md5sum)
    got=$("$DEBUGFS" -R "cat /w/keep/$k" "$img" 2>/dev/null | md5sum)
    [ "$want" = "$got" ] || bad="$bad; /w/keep/$k differs"
    n=$((n + 1))
  done
  if [ -n "$bad" ]; then
    echo "crash run $run (kill at ${ms} ms): FAIL: $bad (see $log, $WORK/fsck$run.log)"
    cp "$img" "$WORK/failed$run.img"
    failed=$((failed + 1))
  else
    echo "crash run $run (kill at ${ms} ms): e2fsck -p exit $st, $n fsync'd files intact"
  fi
done
echo "crash: $((RUNS - failed)) passed, $failed failed"
[ "$failed" = 0 ]
