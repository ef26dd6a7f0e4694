#!/usr/bin/env python3
"""Prints one Markdown table row per nitro run directory, from its metrics.csv.

    tools/run_summary.py runs/mlp1_mnist-paper-seed42 [RUN_DIR ...]

Columns: run, epochs trained, best epoch (by test accuracy in the paper protocol, by validation
accuracy in the honest one), that epoch's train / validation / test accuracy, and the summed
training wall time. Integer arithmetic only; percentages are formatted from counts.
"""
import csv
import os
import sys


def pct(correct, total):
    if not total:
        return ""
    bp = (int(correct) * 10000 * 2 + int(total)) // (2 * int(total))  # rounded basis points
    return "%d.%02d" % (bp // 100, bp % 100)


def main():
    print("| run | epochs | best epoch | train % | val % | test % | training time |")
    print("|---|---|---|---|---|---|---|")
    for run in sys.argv[1:]:
        with open(os.path.join(run, "metrics.csv")) as f:
            rows = list(csv.DictReader(f))
        if not rows:
            continue
        honest = any(r["val_total"] not in ("", "0") for r in rows)
        key = "val" if honest else "test"

        def score(r):
            return (int(r[key + "_correct"] or 0) * 1000000) // max(1, int(r[key + "_total"] or 1))

        best = rows[0]
        for r in rows:
            if score(r) > score(best):
                best = r
        ms = sum(int(r["wall_ms"] or 0) for r in rows)
        print("| %s | %d | %s | %s | %s | %s | %d min %02d s |" % (
            os.path.basename(run.rstrip("/")), len(rows), best["epoch"],
            pct(best["train_correct"], best["train_total"]),
            pct(best["val_correct"], best["val_total"]) if honest else "",
            pct(best["test_correct"], best["test_total"]) if not honest else "(see below)",
            ms // 60000, (ms // 1000) % 60))


if __name__ == "__main__":
    main()
