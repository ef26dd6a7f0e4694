#!/usr/bin/env python3
"""The shared part of nitro's PyTorch peer benchmarks (bench/pytorch_vgg8b.py, bench/pytorch_mlp.py):
importing torch (or skipping), naming the BLAS it loaded, the command line, and timing each mode.

PyTorch is not a nitro dependency: see bench/pytorch_vgg8b.py for installing Debian's package.
"""
import argparse
import os
import re
import time

MODELS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models")


def time_modes(name, make_step_for, batch, steps):
    """Prints each mode's img/s: one warm-up step (oneDNN primitives, allocations), then `steps` timed."""
    for mode in ("local", "backprop", "inference"):
        step = make_step_for(mode)
        step()
        start = time.perf_counter()
        for _ in range(steps):
            step()
        secs = (time.perf_counter() - start) / steps
        print(f"pytorch {name} {mode}: {batch / secs:.1f} img/s ({secs * 1000:.0f} ms/step)")


def import_torch():
    """torch, or None after printing that the benchmark skipped (torch is not a nitro dependency)."""
    try:
        import torch
    except ImportError:
        print("pytorch: skipped (import torch failed; tools/install_debian_packages.sh me python3-torch "
              "libopenblas0-pthread, then run with /usr/bin/python3)")
        return None
    torch.ones(8, 8) @ torch.ones(8, 8)  # loads the BLAS library
    blas = loaded_blas()
    print(f"pytorch blas: {blas or 'not found in /proc/self/maps'}")
    if blas and "openblas" not in blas and "mkl" not in blas:
        print("pytorch blas: WARNING: the reference BLAS, not a peer for Linear layers; "
              "tools/install_debian_packages.sh me libopenblas0-pthread")
    return torch


def loaded_blas():
    """The path of the libblas / OpenBLAS / MKL library mapped into this process, or None."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            paths = {line.split()[-1] for line in f if "/" in line}
    except OSError:
        return None
    hits = sorted(p for p in paths if re.search(r"lib(open)?blas|libmkl", os.path.basename(p)))
    return hits[0] if hits else None


def bench_main(doc, default_models, prepare):
    """Parses --threads/--batch/--steps/--models, then for each model file times the modes of the
    step functions that `prepare(torch, model_path, batch)` returns as `make_step_for(mode)`."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--models", default=default_models)
    args = ap.parse_args()
    torch = import_torch()
    if torch is None:
        return 0
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"pytorch {torch.__version__} float32, {args.threads} threads, batch {args.batch}, {args.steps} steps")
    for name in args.models.split(","):
        make_step_for = prepare(torch, os.path.join(MODELS_DIR, name + ".pbtxt"), args.batch)
        time_modes(name, make_step_for, args.batch, args.steps)
    return 0
