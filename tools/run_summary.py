#!/usr/bin/env python3
"""Prints one Markdown table row per nitro run directory, from its metrics.csv.

    tools/run_summary.py runs/mlp1_mnist-paper-seed42 [RUN_DIR ...]
    tools/run_summary.py --epochs runs/vgg8b_cifar10-paper-numpy-seed42

With --epochs, prints one run's table of docs/results.md instead: per epoch the train accuracy,
each block head's, the validation accuracy (honest protocol), the test accuracy and the epoch's
wall time with its throughput. An honest run evaluates the test set once, after training
(`nitro eval --run=RUN_DIR` repeats it), so its per-epoch test column reads "–".

Columns: run, epochs trained, best epoch (by test accuracy in the paper protocol, by validation
accuracy in the honest one), that epoch's train / validation / test accuracy, and the summed
training wall time. Integer arithmetic only; percentages are formatted from counts.
"""
import csv
import os
import sys


def pct(correct, total):
    """correct/total as a percentage with two decimals, rounded half up; "" when nothing was counted."""
    if not total or int(total) == 0:
        return ""
    bp = (int(correct) * 10000 * 2 + int(total)) // (2 * int(total))  # rounded basis points
    return "%d.%02d" % (bp // 100, bp % 100)


def minutes(ms):
    return "%d min %02d s" % (ms // 60000, (ms // 1000) % 60)


def counts(r, key):
    """A row's `key` accuracy as "P % (C/T)", or "–" where the epoch did not evaluate it."""
    if r[key + "_total"] in ("", "0"):
        return "–"
    return "%s %% (%s/%s)" % (pct(r[key + "_correct"], r[key + "_total"]), r[key + "_correct"], r[key + "_total"])


def print_epochs(run):
    with open(os.path.join(run, "metrics.csv")) as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return
    heads = [c[:-len("_acc_pct")] for c in rows[0] if c.endswith("_acc_pct") and c[:-len("_acc_pct")] not in
             ("train", "val", "test")]
    honest = any(r["val_total"] not in ("", "0") for r in rows)
    print("| epoch | train | block heads %s |%s test | wall time (throughput) |" % (
        " / ".join(heads), " validation |" if honest else ""))
    print("|---|---|---|%s---|---|" % ("---|" if honest else ""))
    for r in rows:
        val = " %s |" % counts(r, "val") if honest else ""
        print("| %s | %s %% | %s %% |%s %s | %s (%s img/s) |" % (
            r["epoch"], pct(r["train_correct"], r["train_total"]), " / ".join(r[h + "_acc_pct"] for h in heads), val,
            counts(r, "test"), minutes(int(r["wall_ms"] or 0)), r["img_per_s"]))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--epochs":
        print_epochs(sys.argv[2])
        return
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
