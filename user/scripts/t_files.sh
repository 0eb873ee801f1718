#!/bin/sh
# t_files.sh: busybox's file tools on the VFS, with the output protocol of
# user/lib/check.h: cp -a, mv (also across mounts), ln and ln -s, rm -r,
# find, chmod -R, touch -t, tar c | tar x, df, mount and umount of a tmpfs
# with a size limit. Runs on Marten (as /bin/t_files.sh, itself a #! script)
# and on Linux (user/run-native.sh) with busybox as $BB.
BB=${BB:-busybox}
pass=0
fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
no() { echo "not ok - $1"; fail=$((fail + 1)); }
t() { what=$1; shift; if "$@" >/dev/null 2>&1; then ok "$what"; else no "$what"; fi; }
eq() { if [ "$2" = "$3" ]; then ok "$1"; else no "$1: got '$2', want '$3'"; fi; }

W=/tmp/t_files.$$
$BB mkdir -p $W && cd $W || { echo "not ok - cannot make $W"; echo "t_files: 0 passed, 1 failed"; exit 1; }

t "mkdir -p" $BB mkdir -p a/b/c
echo hello >a/b/c/f
t "ln -s (relative)" $BB ln -s c a/b/lnk
t "ln (hard link)" $BB ln a/b/c/f a/hard
eq "hard link count" "$($BB stat -c %h a/hard)" 2
eq "symlink target" "$($BB readlink a/b/lnk)" c
eq "read through the symlink" "$($BB cat a/b/lnk/f)" hello
eq "readlink -f" "$($BB readlink -f a/b/lnk/f)" "$W/a/b/c/f"

t "cp -a" $BB cp -a a b
t "cp -a copied the data" $BB cmp a/b/c/f b/b/c/f
eq "cp -a kept the symlink" "$($BB readlink b/b/lnk)" c
eq "cp -a kept the hard link" "$($BB stat -c %i b/hard)" "$($BB stat -c %i b/b/c/f)"
eq "cp -a kept the mode" "$($BB stat -c %a b/b/c/f)" "$($BB stat -c %a a/b/c/f)"

t "mv a directory" $BB mv b c
t "mv: the old name is gone" $BB test ! -e b
t "mv: the new name is there" $BB test -f c/b/c/f
t "mv across mounts (/dev/shm)" $BB mv c/hard /dev/shm/t_files.$$
eq "moved file's data" "$($BB cat /dev/shm/t_files.$$)" hello
$BB rm -f /dev/shm/t_files.$$

t "chmod -R" $BB chmod -R go-rwx c
eq "chmod -R reached the file" "$($BB stat -c %a c/b/c/f)" 600
eq "chmod -R reached the directory" "$($BB stat -c %a c/b)" 700

eq "find -type f" "$($BB find c -type f | $BB sort | $BB tr '\n' ' ')" "c/b/c/f "
eq "find -type l" "$($BB find c -type l)" "c/b/lnk"
eq "find -name" "$($BB find . -name f | $BB sort | $BB tr '\n' ' ')" "./a/b/c/f ./c/b/c/f "

t "touch -t" $BB touch -t 200001020304.05 a/b/c/f
eq "the time touch set" "$($BB stat -c %Y a/b/c/f)" 946782245

t "tar c" $BB tar cf $W/x.tar a
$BB mkdir d
t "tar x" $BB tar xf $W/x.tar -C d
t "tar x: the data" $BB cmp a/b/c/f d/a/b/c/f
eq "tar x: the symlink" "$($BB readlink d/a/b/lnk)" c
eq "tar x: the time" "$($BB stat -c %Y d/a/b/c/f)" 946782245
eq "tar x: the same tree" "$(cd d && $BB find . | $BB sort | $BB tr '\n' ' ')" "$($BB find . -path ./d -prune -o -path ./c -prune -o -path ./x.tar -prune -o -print | $BB grep -v '^\.$' | $BB sort | $BB sed 's/^/X/' | $BB tr '\n' ' ' | $BB sed 's/X\.\//.\//g; s/^/. /')"

t "rm -r" $BB rm -r a c d x.tar
eq "rm -r left nothing" "$($BB ls -A)" ""

df_out=$($BB df / 2>&1)
case "$df_out" in
    Filesystem*) ok "df prints its header" ;;
    *) no "df prints its header: $df_out" ;;
esac
eq "df has a line for /" "$($BB df / | $BB tail -n 1 | $BB awk '{print $NF}')" /

if [ "$($BB id -u)" = 0 ]; then
    $BB mkdir m
    t "mount -t tmpfs -o size=64k" $BB mount -t tmpfs -o size=64k t_files m
    case "$($BB mount)" in
        *"$W/m"*) ok "mount lists it" ;;
        *) no "mount lists it" ;;
    esac
    $BB dd if=/dev/zero of=m/big bs=4k count=32 2>/dev/null
    eq "a full tmpfs stops the writer at its size" "$($BB stat -c %s m/big)" 65536
    t "umount" $BB umount m
    t "umount: the files went with it" $BB test ! -e m/big
    $BB rmdir m
else
    echo "SKIP mount: not root"
fi

cd / && $BB rmdir $W
echo "t_files: $pass passed, $fail failed"
[ $fail = 0 ]
