#!/usr/bin/env bash
# Makes a deterministic source-like tree for the disk tests: DIRS directories
# of FILES files each (sizes from 0 to about 24 KiB, contents from the names,
# so a copy can be compared) and a symbolic link per directory.
# Usage: scripts/make-tree.sh OUT_DIR [DIRS FILES]
set -euo pipefail
OUT=${1:?usage: make-tree.sh OUT_DIR [DIRS FILES]}
rm -rf "$OUT"
python3 - "$OUT" "${2:-60}" "${3:-50}" <<'PY'
import os, sys
out, dirs, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for d in range(1, dirs + 1):
    sub = os.path.join(out, f"dir{d}", f"sub{d % 7}")
    os.makedirs(sub, exist_ok=True)
    for f in range(1, files + 1):
        n = (d * 7919 + f * 104729) % 600
        with open(os.path.join(sub, f"file{f}.c"), "w") as fh:
            fh.write(f"dir {d} file {f}: the quick brown fox jumps\n" * n)
    os.symlink(f"sub{d % 7}/file1.c", os.path.join(out, f"dir{d}", "link"))
PY
