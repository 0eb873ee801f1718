#!/usr/bin/env bash
# Creates the persistent root disk of `make run` (default build/disk.img) on
# first use: an ext2 file system made by Debian's mke2fs -d from the tree of
# the busybox user land (build/run-root, made by build-run-image.sh) with a
# home directory for root. An existing image is left alone: files made in one
# boot are there in the next. Usage: scripts/build-disk-image.sh IMAGE [SIZE]
set -euo pipefail
cd "$(dirname "$0")/.."

IMG=${1:?usage: build-disk-image.sh IMAGE [SIZE]}
SIZE=${2:-256M}
STAGE=build/run-root

[ -e "$IMG" ] && exit 0
MKE2FS=$(command -v mke2fs || echo /sbin/mke2fs)
[ -x "$MKE2FS" ] || { echo "build-disk-image: mke2fs not found; run scripts/deps.sh --user" >&2; exit 1; }
[ -d "$STAGE" ] || { echo "build-disk-image: $STAGE missing; run make run-image" >&2; exit 1; }
mkdir -p "$(dirname "$IMG")" "$STAGE/root"
printf 'Files in /root are kept on the disk image across boots.\n' > "$STAGE/root/README"
"$MKE2FS" -q -F -t ext2 -L marten-root -d "$STAGE" "$IMG.tmp" "$SIZE"
mv "$IMG.tmp" "$IMG"
echo "made $IMG ($SIZE ext2, from $STAGE)"
