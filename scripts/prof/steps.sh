#!/bin/sh
# Counts the instructions of one system call, from the syscall entry to the
# next user-mode instruction, by single-stepping QEMU through its gdb stub.
#   scripts/prof/steps.sh KERNEL MODE NR
# MODE is sysloop's (read, write, ppid, open, stat, sig, pong, mread,
# mwrite, fork, munmap, statdir, opendir, creat); NR the system call to
# count (0 read, 1 write, 110 getppid, 257 openat, 262 newfstatat, 62 kill,
# 15 rt_sigreturn, 130 rt_sigsuspend, 17 pread64, 18 pwrite64, 57 fork,
# 231 exit_group, 11 munmap, 87 unlink). Needs musl-gcc, gdb and the tools
# `make tools` builds.
set -e
[ $# -eq 3 ] || { echo "usage: $0 KERNEL MODE NR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# STEPS_WORK and STEPS_PORT let two runs share a machine.
work=${STEPS_WORK:-/tmp/marten-steps}
port=${STEPS_PORT:-1234}
export STEPS_WORK="$work" STEPS_PORT="$port"
mkdir -p "$work"
musl-gcc -static -O2 -o "$work/sysloop" "$here/sysloop.c"
echo "root:x:0:0::/:/bin/sh" > "$work/passwd"
"$root/target/release/mkinitramfs" -o "$work/initrd.cpio.gz" --gzip \
  --file /bin/sysloop="$work/sysloop" --file /etc/passwd="$work/passwd" \
  --dev /dev/zero=c:1:5 --dev /dev/null=c:1:3 --dev /dev/mymem=c:240:0
echo "$3" > "$work/nr"
qemu-system-x86_64 -accel tcg -cpu max,-erms,-fsrm -m 512M -kernel "$1" \
  -initrd "$work/initrd.cpio.gz" -append "console=ttyS0 init=/bin/sysloop -- $2 1000000" \
  -display none -serial "file:$work/serial.log" -gdb "tcp::$port" -S -no-reboot &
qemu=$!
sleep 0.5
timeout 600 gdb -q -batch -x "$here/steps.py" "$1" 2>/dev/null | sed -n '/^TOTAL/,$p' || true
kill "$qemu" 2>/dev/null || true
