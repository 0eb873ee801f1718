#!/usr/bin/env bash
# Installs what the build needs and is missing: QEMU (and, with --user, the
# tools for user programs, e2fsprogs for the ext2 tests and fdisk for the
# partition tests; with --busybox, busybox-static alone for the
# image of `make run`) from Debian's packages, and the Rust targets.
# Run by `make run`, `make test` and friends; cheap when nothing is missing.
set -euo pipefail

want_user=0
want_busybox=0
for a in "$@"; do
  case "$a" in
    --user) want_user=1; want_busybox=1 ;;
    --busybox) want_busybox=1 ;;
  esac
done

pkgs=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || pkgs+=(qemu-system-x86)
if [ "$want_user" = 1 ]; then
  command -v musl-gcc >/dev/null 2>&1 || pkgs+=(musl-tools)
  # The ext2 crate's tests make and check images with e2fsprogs.
  dpkg -s e2fsprogs >/dev/null 2>&1 || pkgs+=(e2fsprogs)
  # The partition tests make tables with sfdisk.
  dpkg -s fdisk >/dev/null 2>&1 || pkgs+=(fdisk)
fi
if [ "$want_busybox" = 1 ]; then
  dpkg -s busybox-static >/dev/null 2>&1 || pkgs+=(busybox-static)
fi

if [ "${#pkgs[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "deps: installing ${pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
  else
    echo "deps: missing Debian packages. Run this, then try again:"
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${pkgs[*]}"
    exit 1
  fi
fi

if ! command -v rustup >/dev/null 2>&1; then
  echo "deps: rustup not found; install Rust with rustup first"
  exit 1
fi
installed=$(rustup target list --installed)
for t in x86_64-unknown-none x86_64-unknown-linux-musl; do
  if ! grep -qx "$t" <<<"$installed"; then
    echo "deps: adding Rust target $t"
    rustup target add "$t" >/dev/null
  fi
done
components=$(rustup component list --installed 2>/dev/null || true)
for c in rustfmt clippy; do
  grep -q "^$c" <<<"$components" || rustup component add "$c" >/dev/null
done
