#!/usr/bin/env python3
"""Checks that nitro's packages depend one way: every `//pkg:target` dependency in a package's
BUILD.bazel must be allowed by the layering table of README.md ("Layout").

    layering_test.py BUILD_FILE...   (run by Bazel as //tests:layering_test)

Prints each forbidden edge as `pkg/BUILD.bazel: target 'name' depends on //other:dep` and exits 1
if there is one.
"""
import os
import re
import sys

# package -> the nitro packages it may depend on (besides itself). Keep in step with README.md.
BELOW_GRAPH = {"base", "proto", "graph"}
ALLOWED = {
    "base": set(),
    "proto": set(),
    "graph": {"base", "proto"},
    "ops": BELOW_GRAPH,
    "passes": BELOW_GRAPH,
    "runtime": BELOW_GRAPH,
    "io": BELOW_GRAPH,
    "random": BELOW_GRAPH,
    "dataset": BELOW_GRAPH | {"io", "random"},
    "dist": BELOW_GRAPH,
    "train": BELOW_GRAPH | {"io", "random", "dataset", "passes", "runtime", "dist"},
    "deploy": BELOW_GRAPH | {"io", "random", "dataset", "passes", "runtime", "dist", "train"},
}
# Binaries, tests and test helpers sit on top and may use anything.
ON_TOP = {"tools", "bench", "tests", "testing", "examples", "models", "fuzz"}
# Not nitro code: the Bazel stubs and system-library rules.
OUTSIDE = {"third_party"}

RULE = re.compile(r"^(\w+)\(\s*\n(.*?)^\)", re.S | re.M)
NAME = re.compile(r'name = "([^"]+)"')
LABEL = re.compile(r'"//([a-z_/]+)(?::[^"]*)?"')


def package_of(build_file):
    return os.path.basename(os.path.dirname(os.path.abspath(build_file)))


def check(build_file):
    pkg = package_of(build_file)
    problems = []
    if pkg in ON_TOP or pkg in OUTSIDE:
        return problems
    if pkg not in ALLOWED:
        return ["%s: package '%s' is not in the layering table; add it to tests/layering_test.py and README.md"
                % (build_file, pkg)]
    with open(build_file) as f:
        text = f.read()
    for rule in RULE.finditer(text):
        kind, body = rule.group(1), rule.group(2)
        name = NAME.search(body)
        testonly = "testonly = True" in body or kind.endswith("_test")
        for dep in LABEL.findall(body):
            top = dep.split("/")[0]
            if top in ("visibility",) or top == pkg:
                continue
            if testonly and top in ON_TOP | {"ops"}:
                continue  # a test may link the op library and test helpers
            if top not in ALLOWED[pkg]:
                problems.append("%s/BUILD.bazel: target '%s' depends on //%s, which %s may not use"
                                % (pkg, name.group(1) if name else "?", dep, pkg))
    return problems


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    problems = []
    seen = set()
    for build_file in argv[1:]:
        seen.add(package_of(build_file))
        problems += check(build_file)
    missing = set(ALLOWED) - seen - {"proto"}
    for pkg in sorted(missing):
        problems.append("no BUILD file given for package '%s'" % pkg)
    for p in problems:
        print(p)
    print("%d packages checked, %d problems" % (len(seen), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
