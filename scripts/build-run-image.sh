#!/usr/bin/env bash
# Builds the initramfs of `make run`, build/initrd-run.cpio.gz: Debian's static
# busybox with every applet linked in /bin, /sbin, /usr/bin and /usr/sbin (as
# `busybox --install -s` links them), the files of user/rootfs/ (/etc/inittab,
# passwd, group, profile, motd...), the usual empty directories, then
#   EXTRA="prog1 prog2"   programs copied into /bin (static ELF files), and
#   overlay/              a tree copied over the image's root, if present.
# Usage: scripts/build-run-image.sh [-o OUT]; EXTRA and OVERLAY (default
# overlay/; OVERLAY= for none) come from the environment. Needs no terminal.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=build/initrd-run.cpio.gz
if [ "${1:-}" = -o ] && [ -n "${2:-}" ]; then OUT=$2; fi
STAGE=build/run-root            # the image's tree, rebuilt from scratch each time
MKINITRAMFS=target/release/mkinitramfs
BUSYBOX=/bin/busybox
OVERLAY=${OVERLAY-overlay}   # set but empty: no overlay
EXTRA=${EXTRA:-}

die() { echo "build-run-image: $*" >&2; exit 1; }

[ -x "$MKINITRAMFS" ] ||
  die "$MKINITRAMFS not found; run: cargo build --release -p marten-mkinitramfs"
[ -f "$BUSYBOX" ] || die "$BUSYBOX not found; run scripts/deps.sh --user (busybox-static)"
# The image has no dynamic loader: busybox and every extra program must be
# static ELF files.
static_elf() {
  [ "$(head -c 4 "$1" | od -An -c | tr -d ' \n')" = '177ELF' ] || return 1
  ! readelf -lW "$1" 2>/dev/null | grep -q 'INTERP'
}
static_elf "$BUSYBOX" || die "$BUSYBOX is not a static ELF file; install busybox-static (not busybox)"

rm -rf "$STAGE"
mkdir -p "$STAGE"
cp -a user/rootfs/. "$STAGE/"
chmod 0600 "$STAGE/etc/shadow"
for d in bin sbin usr/bin usr/sbin root tmp proc sys dev mnt var/log var/run; do
  mkdir -p "$STAGE/$d"
done
chmod 1777 "$STAGE/tmp"
chmod 0700 "$STAGE/root"

# busybox and one symbolic link per applet, where busybox says it belongs
# (`--list-full` prints "usr/bin/env" and the like, "linuxrc" at the root).
cp "$BUSYBOX" "$STAGE/bin/busybox"
chmod 0755 "$STAGE/bin/busybox"
count=0
while read -r path; do
  [ "$path" = bin/busybox ] && continue
  mkdir -p "$STAGE/$(dirname "$path")"
  ln -sfn /bin/busybox "$STAGE/$path"
  count=$((count + 1))
done < <("$BUSYBOX" --list-full)
[ "$count" -gt 100 ] || die "busybox --list-full gave only $count applets"

# EXTRA: the user's own static programs, into /bin.
for prog in $EXTRA; do
  [ -f "$prog" ] || die "EXTRA: $prog: no such file"
  static_elf "$prog" || die "EXTRA: $prog is not a static ELF program (the image has no dynamic loader; link with -static)"
  install -m 0755 "$prog" "$STAGE/bin/$(basename "$prog")"
done

# overlay/: copied over everything else (it may replace any file above).
if [ -n "$OVERLAY" ] && [ -d "$OVERLAY" ]; then
  cp -a --no-preserve=ownership "$OVERLAY/." "$STAGE/"
fi

"$MKINITRAMFS" -o "$OUT.tmp" --gzip --tree "/=$STAGE"
mv "$OUT.tmp" "$OUT"
echo "build-run-image: busybox with $count applets${EXTRA:+, EXTRA: $EXTRA}$([ -n "$OVERLAY" ] && [ -d "$OVERLAY" ] && echo ", overlay $OVERLAY/"), image $OUT"
