#!/usr/bin/env bash
# Builds the benchmark programs (static, musl) into build/bench/ and the bench
# initramfs build/initrd-bench.cpio.gz. Needs musl-gcc, /bin/busybox (Debian's
# busybox-static) and target/release/mkinitramfs (built here when missing).
# When bench/mymem/build.sh has built build/bench/mymem.ko (make bench does,
# make test does not), it goes in as /lib/modules/mymem.ko, which /init loads
# on Linux; when it could not, its reason goes in as /etc/mymem.why.
# The virtio disk modules of the bench's Linux kernel, which mbench-run keeps
# in bench/cache/linux/modules/ (scripts/bench.sh fetches them first), go in
# as /lib/modules/virtio/*.ko when they are there. The disk figures' tree,
# /bench/tree.tar, is made here by scripts/make-tree.sh (40 directories of 50
# files).
#
#   bench/build.sh            programs and initramfs
#   bench/build.sh --programs the programs only (for running mbench natively)
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=build/bench
INITRD=build/initrd-bench.cpio.gz
CC=${MUSL_CC:-musl-gcc}
CFLAGS=(-static -std=gnu11 -Wall -Wextra -Werror)

mkdir -p "$OUT"
"$CC" "${CFLAGS[@]}" -O2 -o "$OUT/mbench" \
  bench/src/mbench.c bench/src/util.c bench/src/spawn.c bench/src/info.c \
  bench/src/fig_sys.c bench/src/fig_proc.c bench/src/fig_mem.c \
  bench/src/fig_dir.c bench/src/fig_areas.c bench/src/fig_fork_scale.c bench/src/fig_shell.c \
  bench/src/fig_mymem.c bench/src/fig_signal.c bench/src/fig_threads.c bench/src/fig_disk.c
"$CC" "${CFLAGS[@]}" -Os -s -o "$OUT/mbench-true" bench/src/true.c
"$CC" "${CFLAGS[@]}" -O2 -o "$OUT/init" bench/src/init.c

if [ "${1:-}" = "--programs" ]; then
  exit 0
fi

MKINITRAMFS=${CARGO_TARGET_DIR:-target}/release/mkinitramfs
if [ ! -x "$MKINITRAMFS" ]; then
  cargo build --release -q -p marten-mkinitramfs
fi
module=()
if [ -f "$OUT/mymem.ko" ]; then
  module+=(--file /lib/modules/mymem.ko="$OUT/mymem.ko")
elif [ -f "$OUT/mymem.why" ]; then
  module+=(--file /etc/mymem.why="$OUT/mymem.why")
fi
for ko in bench/cache/linux/modules/*.ko; do
  [ -f "$ko" ] && module+=(--file "/lib/modules/virtio/${ko##*/}=$ko")
done

# The disk figures' tree, as a tar file whose bytes do not depend on when or
# by whom it was made.
if [ ! -f "$OUT/tree.tar" ]; then
  scripts/make-tree.sh "$OUT/tree" 40 50
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=ustar \
    -cf "$OUT/tree.tar.tmp" -C "$OUT" tree
  mv "$OUT/tree.tar.tmp" "$OUT/tree.tar"
  rm -rf "$OUT/tree"
fi

"$MKINITRAMFS" -o "$INITRD" --gzip "${module[@]}" \
  --file /init="$OUT/init" \
  --file /bin/mbench="$OUT/mbench" \
  --file /bin/mbench-true="$OUT/mbench-true" \
  --file /bin/busybox=/bin/busybox \
  --symlink /bin/sh=busybox \
  --symlink /bin/poweroff=busybox \
  --symlink /bin/sed=busybox \
  --symlink /bin/grep=busybox \
  --symlink /bin/wc=busybox \
  --symlink /bin/cp=busybox \
  --symlink /bin/cat=busybox \
  --symlink /bin/rm=busybox \
  --file /bench/tree.tar="$OUT/tree.tar" \
  --dir /dev --dir /tmp --dir /proc --dir /mnt \
  --dev /dev/console=c:5:1 \
  --file /etc/motd=bench/etc/motd
echo "$INITRD"
