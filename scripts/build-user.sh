#!/usr/bin/env bash
# Builds the user-space test programs (user/tests/*.c with musl-gcc, and the
# Rust programs user/rust-hello and user/rust-threads) into build/user/bin/,
# then packs them with busybox into the test initramfs build/initrd-test.cpio.gz.
# Needs `scripts/deps.sh --user` and `cargo build --release -p marten-mkinitramfs`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BIN=build/user/bin
STAGE=build/user/root           # host copy of the image's data files (see user/README.md)
INITRD=build/initrd-test.cpio.gz
MKINITRAMFS=target/release/mkinitramfs
CFLAGS=(-static -O2 -Wall -Wextra -Werror -Iuser/lib)
BUSYBOX_LINKS=(sh echo true false uname cat ls)

die() { echo "build-user: $*" >&2; exit 1; }

command -v musl-gcc >/dev/null 2>&1 || die "musl-gcc not found; run scripts/deps.sh --user"
[ -x "$MKINITRAMFS" ] ||
  die "$MKINITRAMFS not found; run: cargo build --release -p marten-mkinitramfs"

# busybox must be a static ELF: the image has no dynamic loader.
[ -f /bin/busybox ] || die "/bin/busybox not found; run scripts/deps.sh --user (busybox-static)"
if [ "$(head -c 4 /bin/busybox | od -An -c | tr -d ' \n')" != '177ELF' ]; then
  die "/bin/busybox is not an ELF file; install busybox-static"
fi
if readelf -lW /bin/busybox | grep -q 'INTERP'; then
  die "/bin/busybox is dynamically linked; install busybox-static (not busybox)"
fi

mkdir -p "$BIN" "$STAGE/etc"

# C test programs: one static binary per user/tests/*.c, each with user/lib/*.c.
programs=()
for src in user/tests/*.c; do
  name=$(basename "$src" .c)
  musl-gcc "${CFLAGS[@]}" -o "$BIN/$name" "$src" user/lib/*.c
  programs+=("$name")
done

# The Rust program. Until user/rust-hello is a member of the main workspace it
# carries its own [workspace] table; --manifest-path works in both cases.
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
cargo build --release -q -p marten-rust-hello --target x86_64-unknown-linux-musl \
  --manifest-path user/rust-hello/Cargo.toml --target-dir "$TARGET_DIR"
cp "$TARGET_DIR/x86_64-unknown-linux-musl/release/rust-hello" "$BIN/rust-hello"
programs+=(rust-hello)
# rust-threads checks that a panicking thread joins with Err: it unwinds.
cargo build --profile unwind -q -p marten-rust-threads --target x86_64-unknown-linux-musl \
  --manifest-path user/rust-threads/Cargo.toml --target-dir "$TARGET_DIR"
cp "$TARGET_DIR/x86_64-unknown-linux-musl/unwind/rust-threads" "$BIN/rust-threads"
programs+=(rust-threads)

# Data files. /etc/motd is executable on purpose: exec of it must fail with
# ENOEXEC (not EACCES), which t_exec checks.
printf 'hello from the initramfs\n' >"$STAGE/etc/motd"
chmod 0755 "$STAGE/etc/motd"

# A shell script as init (tests/e2e/init.script): the kernel runs /bin/sh.
printf '#!/bin/sh\necho init-script-ok "$0" "$1"\nexit 5\n' >"$STAGE/etc/init-script"

# A truncated copy of a real program: exec must refuse it with ENOEXEC.
head -c 3000 "$BIN/t_basic" >"$STAGE/truncated-elf"

items=(--dir /tmp --file-mode "/etc/motd=$STAGE/etc/motd:0755"
       --file-mode "/etc/init-script=$STAGE/etc/init-script:0755"
       --file-mode /bin/busybox=/bin/busybox:0755
       --file-mode "/bin/truncated-elf=$STAGE/truncated-elf:0755"
       --file-mode "/bin/t_files.sh=user/scripts/t_files.sh:0755")
for name in "${programs[@]}"; do
  items+=(--file-mode "/bin/$name=$BIN/$name:0755")
done
for link in "${BUSYBOX_LINKS[@]}"; do
  items+=(--symlink "/bin/$link=busybox")
done
"$MKINITRAMFS" -o "$INITRD.tmp" --gzip "${items[@]}"
mv "$INITRD.tmp" "$INITRD"
echo "build-user: ${#programs[@]} programs in $BIN, image $INITRD"
