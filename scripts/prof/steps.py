# gdb script (steps.sh runs it): single-steps the second call of system
# call NR (in $STEPS_WORK/nr) from the kernel's syscall entry to the
# next user-mode instruction, and prints the instructions per function.
import collections
import os
import re

import gdb

gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute(f"target remote :{os.environ['STEPS_PORT']}")
nr = int(open(os.environ["STEPS_WORK"] + "/nr").read())
gdb.execute(f"hbreak *hal_syscall_entry if $rax == {nr}")
gdb.execute("continue")
gdb.execute("continue")
counts = collections.Counter()
order = []
steps = 0
while steps < 50000:
    pc = int(gdb.parse_and_eval("$pc")) & 0xFFFFFFFFFFFFFFFF
    if pc < 0xFFFF800000000000:
        break
    where = gdb.execute("info symbol $pc", to_string=True)
    m = re.match(r"(\S+)", where)
    name = m.group(1) if m else "?"
    counts[name] += 1
    if not order or order[-1][0] != name:
        order.append([name, 0])
    order[-1][1] += 1
    steps += 1
    gdb.execute("stepi", to_string=True)
print(f"TOTAL {steps} instructions from syscall entry to user mode")
for name, c in counts.most_common(40):
    print(f"{c:6d} {name[:140]}")
print("IN ORDER")
for name, c in order:
    print(f"{c:6d} {name[:140]}")
gdb.execute("kill")
