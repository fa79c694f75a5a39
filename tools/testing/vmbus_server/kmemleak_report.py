#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# kmemleak_report.py REPORT LOADS KNOWN: sort a kmemleak report into leaks
# of Linux's own guest modules that are known and excused, and every other.
#
# REPORT is /sys/kernel/debug/kmemleak as the guest printed it.  A module
# that leaked was unloaded since, so its frames are raw addresses: LOADS
# has one "MODULE KO_PATH SECTION ADDRESS..." line per load of a module
# whose leaks may be excused (the guest printed where each section sat),
# and a raw address is named by the symbol table of KO_PATH.  A frame that
# lies in a module loaded at scan time the kernel has named already
# ("FUNC+OFF/LEN [MODULE]", after the module at that address then; seen
# for hv_vmbus reloaded where an earlier load sat).  KNOWN lists
# "MODULE FUNCTION" pairs: a leaked object whose allocation the first
# named frame puts in one of them is known.
#
# Prints "known MODULE:FUNCTION size N" per excused object and
# "leak size N: FRAMES" per other one; exits 1 if there is another one.
import re
import subprocess
import sys


def symbols(ko):
    """{section: [(start, end, name)]} from the module's symbol table."""
    table = {}
    out = subprocess.run(["objdump", "-t", ko], capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        m = re.match(r"^([0-9a-f]+) (.{7}) (\S+)\s+([0-9a-f]+) (\S+)$", line)
        if m and "F" in m.group(2):
            start, size = int(m.group(1), 16), int(m.group(4), 16)
            table.setdefault(m.group(3), []).append(
                (start, start + size, m.group(5)))
    return table


def loads(path):
    result = []
    with open(path) as f:
        for line in f:
            words = line.split()
            if len(words) < 4:
                continue
            module, ko = words[0], words[1]
            syms = symbols(ko)
            pairs = zip(words[2::2], words[3::2])
            result.append((module, syms,
                           [(sec, int(addr, 16)) for sec, addr in pairs]))
    return result


def name(addr, all_loads):
    for module, syms, sections in all_loads:
        for sec, base in sections:
            for start, end, func in syms.get(sec, []):
                if base + start <= addr < base + end:
                    return module, func
    return None


# What a kmemleak report is made of; a line that is none of these (or
# a kernel message on the console) means the format changed, and the
# report cannot be judged.
REPORT_LINES = [
    r"unreferenced object 0x[0-9a-f]+ \(size \d+\):",
    r'  comm ".*", pid \d+, jiffies \d+',
    r"  hex dump \(first \d+ bytes( on cpu \d+)?\):",
    r"    ([0-9a-f]{2} ){1,16} .*",
    r"  backtrace( \(crc [0-9a-f]+\))?:",
    r"    \S+( \[\S+\])?",
    r"\[ *\d+\.\d+\] .*",
    r"kmemleak scanned",
]


def objects(path):
    """(size, [frames]) per unreferenced object of the report."""
    obj = None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not any(re.fullmatch(p, line) for p in REPORT_LINES):
                raise ValueError(f"not a kmemleak report line: {line!r}")
            m = re.match(r"^unreferenced object 0x[0-9a-f]+ \(size (\d+)\):",
                         line)
            if m:
                if obj:
                    yield obj
                obj = (int(m.group(1)), [])
            elif obj and line.startswith("    ") and \
                    not re.match(r"^    [0-9a-f]{2} ", line):
                obj[1].append(line.strip())
    if obj:
        yield obj


def main():
    all_loads = loads(sys.argv[2])
    with open(sys.argv[3]) as f:
        known = {tuple(line.split()) for line in f
                 if line.strip() and not line.startswith("#")}
    unknown = 0
    try:
        report = list(objects(sys.argv[1]))
    except ValueError as e:
        print(e)
        return 1
    for size, frames in report:
        where = None
        for frame in frames:
            if re.match(r"^0x[0-9a-f]+$", frame):
                where = name(int(frame, 16), all_loads)
                break
            m = re.match(r"^(\S+)\+0x[0-9a-f]+/0x[0-9a-f]+ \[(\S+)\]$", frame)
            if m:
                where = (m.group(2), m.group(1))
                break
        if where in known:
            print(f"known {where[0]}:{where[1]} size {size}")
        else:
            unknown += 1
            print(f"leak size {size}: {' '.join(frames)}")
    return 1 if unknown else 0


sys.exit(main())
