#!/usr/bin/env python3
"""Tests tools/run_summary.py on small metrics.csv files of both protocols (//tools:run_summary_test)."""
import io
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stdout

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_summary  # noqa: E402

HEADER = ("epoch,lr_inv,train_correct,train_total,train_acc_pct,b0_acc_pct,fc_acc_pct,val_correct,val_total,"
          "val_acc_pct,test_correct,test_total,test_acc_pct,wall_ms,img_per_s\n")


def write_run(root, name, rows):
    run = os.path.join(root, name)
    os.makedirs(run)
    with open(os.path.join(run, "metrics.csv"), "w") as f:
        f.write(HEADER + "".join(r + "\n" for r in rows))
    return run


def run_main(*argv):
    out = io.StringIO()
    old = sys.argv
    sys.argv = ["run_summary.py"] + list(argv)
    try:
        with redirect_stdout(out):
            run_summary.main()
    finally:
        sys.argv = old
    return out.getvalue().splitlines()


class RunSummaryTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.paper = write_run(self.tmp.name, "paper", [
            "1,512,10,100,10.00,20.00,10.00,0,0,,998,9984,10.00,351000,142",
            "2,512,20,100,20.00,30.00,20.00,0,0,,2789,9984,27.93,415000,120",
        ])
        # The honest protocol: validation every epoch, the test set only once, after training.
        self.honest = write_run(self.tmp.name, "honest", [
            "1,512,7458,54976,13.57,68.33,13.71,1756,5000,35.12,0,0,,333926,164",
            "2,512,32905,54976,59.85,77.59,60.58,3648,5000,72.96,0,0,,368311,149",
        ])

    def tearDown(self):
        self.tmp.cleanup()

    def test_percentages_round_half_up_from_counts(self):
        self.assertEqual(run_summary.pct(2789, 9984), "27.93")
        self.assertEqual(run_summary.pct(1, 8), "12.50")
        self.assertEqual(run_summary.pct(1, 3), "33.33")
        self.assertEqual(run_summary.pct(2, 3), "66.67")
        self.assertEqual(run_summary.pct("0", "0"), "")
        self.assertEqual(run_summary.pct("", ""), "")

    def test_paper_epochs_table_has_test_counts_and_no_validation(self):
        lines = run_main("--epochs", self.paper)
        self.assertEqual(lines[0], "| epoch | train | block heads b0 / fc | test | wall time (throughput) |")
        self.assertEqual(lines[3], "| 2 | 20.00 % | 30.00 / 20.00 % | 27.93 % (2789/9984) | 6 min 55 s (120 img/s) |")

    def test_honest_epochs_table_shows_validation_and_no_per_epoch_test(self):
        lines = run_main("--epochs", self.honest)
        self.assertEqual(lines[0],
                         "| epoch | train | block heads b0 / fc | validation | test | wall time (throughput) |")
        self.assertEqual(lines[2],
                         "| 1 | 13.57 % | 68.33 / 13.71 % | 35.12 % (1756/5000) | – | 5 min 33 s (164 img/s) |")
        self.assertEqual(len(lines), 4)

    def test_summary_rows_pick_the_best_epoch_by_protocol(self):
        lines = run_main(self.paper, self.honest)
        self.assertEqual(lines[2], "| paper | 2 | 2 | 20.00 |  | 27.93 | 12 min 46 s |")
        self.assertEqual(lines[3], "| honest | 2 | 2 | 59.85 | 72.96 | (see below) | 11 min 42 s |")


if __name__ == "__main__":
    unittest.main()
