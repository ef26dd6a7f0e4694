#!/usr/bin/env python3
"""Counts test cases in Bazel's test XML (bazel-testlogs/**/test.xml) and prints 'N passed, N failed'.

    test_summary.py TESTLOGS_DIR [TARGETS_FILE]

With TARGETS_FILE (one label per line, as `bazel query 'tests(//...)'` prints them), only those
targets count, so the XML that Bazel leaves behind for a test target that was renamed or removed
is not counted again.

A test target that crashed or timed out before writing its cases counts as one failed case.
Exit status: 0 when nothing failed, 1 otherwise.
"""
import glob
import os
import sys
import xml.etree.ElementTree as ET


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "bazel-testlogs"
    wanted = None
    if len(sys.argv) > 2:
        with open(sys.argv[2]) as f:
            wanted = {l.strip().lstrip("/").replace(":", "/") for l in f if l.strip()}
    passed = failed = 0
    failures = []
    for path in sorted(glob.glob(os.path.join(root, "**", "test.xml"), recursive=True)):
        target = os.path.relpath(os.path.dirname(path), root)
        if wanted is not None and target not in wanted:
            continue
        try:
            tree = ET.parse(path)
        except ET.ParseError:
            failed += 1
            failures.append(target + " (unreadable test.xml)")
            continue
        cases = tree.getroot().iter("testcase")
        seen = 0
        for case in cases:
            seen += 1
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
                failures.append("%s: %s.%s" % (target, case.get("classname"), case.get("name")))
            elif case.get("status") == "notrun" or case.find("skipped") is not None:
                continue
            else:
                passed += 1
        if seen == 0:
            # Bazel writes a synthetic file without cases when the binary itself failed.
            suites = tree.getroot()
            if suites.get("failures", "0") != "0" or suites.get("errors", "0") != "0":
                failed += 1
                failures.append(target + " (the test binary failed)")
    for f in failures:
        print("FAILED: " + f)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
