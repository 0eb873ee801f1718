#!/usr/bin/env bash
# Builds build/bench/mymem.ko, /dev/mymem for the Linux kernel the benchmark
# boots (Debian's cloud kernel: the one unpacked in bench/cache/linux/, or
# else the one linux-image-cloud-amd64 depends on now, which mbench-run will
# fetch). The headers (linux-headers-<version>, the -common package it
# depends on, and linux-kbuild-<x.y>) are fetched with `apt-get download` and
# unpacked with `dpkg-deb -x` into bench/cache/headers-<version>/, without
# root, as tools/bench fetches the kernel. The compiler the headers name
# (gcc-12 for Debian 12's kernel) and make are installed when missing and
# we are root.
#
# On failure it prints why on stderr and in build/bench/mymem.why (which the
# benchmark shows as the Linux figures' n/a reason), removes any older
# mymem.ko and exits 1. `make test` never needs this.
set -euo pipefail
cd "$(dirname "$0")/../.."

OUT=build/bench
CACHE=bench/cache
META=linux-image-cloud-amd64
mkdir -p "$OUT"
rm -f "$OUT/mymem.why"

fail() {
  echo "mymem: $*" >&2
  echo "$*" >"$OUT/mymem.why"
  rm -f "$OUT/mymem.ko"
  exit 1
}

# The kernel version: the cached kernel's, else the current package's.
version=
vmlinuz=$(ls "$CACHE"/linux/boot/vmlinuz-* 2>/dev/null | sort | tail -n 1 || true)
if [ -n "$vmlinuz" ]; then
  version=${vmlinuz##*/vmlinuz-}
else
  image=$(apt-cache depends "$META" 2>/dev/null |
    sed -n 's/^ *|\{0,1\}Depends: \(linux-image-[^ <]*\)$/\1/p' | head -n 1)
  version=${image#linux-image-}
fi
[ -n "$version" ] || fail "cannot tell the Linux version: no kernel in $CACHE/linux and apt-cache depends $META names none"

HEADERS=$CACHE/headers-$version
KDIR=$PWD/$HEADERS/usr/src/linux-headers-$version
if [ ! -f "$KDIR/Makefile" ]; then
  pkg=linux-headers-$version
  deps=$(apt-cache depends "$pkg" 2>/dev/null |
    sed -n 's/^ *|\{0,1\}Depends: \(linux-\(headers\|kbuild\)-[^ <]*\)$/\1/p')
  [ -n "$deps" ] || fail "apt-cache knows no $pkg (or its dependencies): the headers of the bench's Linux $version cannot be had"
  tmp=$CACHE/headers.tmp
  rm -rf "$tmp"
  mkdir -p "$tmp/debs"
  # shellcheck disable=SC2086
  (cd "$tmp/debs" && apt-get download -q "$pkg" $deps >/dev/null 2>&1) ||
    fail "apt-get download $pkg $deps failed"
  for deb in "$tmp"/debs/*.deb; do
    dpkg-deb -x "$deb" "$tmp/root" || fail "dpkg-deb -x $deb failed"
  done
  # The package's Makefile includes the -common tree by its installed path.
  sed -i "s#^include /usr/src/#include $PWD/$HEADERS/usr/src/#" \
    "$tmp/root/usr/src/linux-headers-$version/Makefile"
  rm -rf "$HEADERS"
  mv "$tmp/root" "$HEADERS"
  rm -rf "$tmp"
  [ -f "$KDIR/Makefile" ] || fail "$pkg holds no usr/src/linux-headers-$version/Makefile"
fi

# The compiler the kernel was built with, and make.
cc=$(sed -n 's/^CC = .*)\(gcc[-0-9]*\)$/\1/p' "$KDIR/.kernelvariables" 2>/dev/null | head -n 1)
cc=${cc:-gcc}
missing=()
command -v "$cc" >/dev/null 2>&1 || missing+=("$cc")
command -v make >/dev/null 2>&1 || missing+=(make)
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || fail "missing ${missing[*]}: apt-get install ${missing[*]} (as root), then try again"
  echo "mymem: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    fail "apt-get install ${missing[*]} failed"
fi

SRC=$OUT/mymem
mkdir -p "$SRC"
cp bench/mymem/mymem.c bench/mymem/Kbuild "$SRC/"
make -s -C "$KDIR" M="$PWD/$SRC" modules >"$SRC/build.log" 2>&1 ||
  fail "building mymem.ko against $version failed (see $SRC/build.log): $(grep -m1 -i error "$SRC/build.log" || tail -n 1 "$SRC/build.log")"
cp "$SRC/mymem.ko" "$OUT/mymem.ko"
echo "$OUT/mymem.ko (Linux $version)"
