#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# kunit_results.py PREFIX JSON: one "ok PREFIX: suite.case[.param]" or
# "not ok ..." line per leaf test of a kunit.py JSON report (skips as
# "# skip" comments, which count neither way).
import json
import sys


def walk(prefix, group, path):
    for case in group.get("test_cases", []):
        # kunit.py names a case it never saw end (the kernel crashed or
        # hung in it) with an empty name.
        name = ".".join(path + [case["name"] or "(a case that never reported)"])
        status = case["status"]
        if status == "SKIP":
            print(f"# skip {prefix}: {name}")
        else:
            verdict = "ok" if status == "PASS" else "not ok"
            print(f"{verdict} {prefix}: {name}")
    for sub in group.get("sub_groups", []):
        walk(prefix, sub, path + [sub["name"]])


with open(sys.argv[2]) as f:
    walk(sys.argv[1], json.load(f), [])
