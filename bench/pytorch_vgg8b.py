#!/usr/bin/env python3
"""Times the VGG8B training step of models/vgg8b_{mnist,cifar10}.pbtxt in PyTorch float32 on this CPU.

A benchmark-only comparison for bench/run.sh (issue "Speed II"): the same layers, batch and thread
count as nitro's train_step_bench, in three modes, printing img/s:
  local     local losses like NITRO-D: each conv block has its own head (max pool, linear, MSE loss)
            and its input is detached, so no gradient crosses a block; the FC block likewise; one SGD step
  backprop  the same network trained end to end from the output layer's loss only (no heads)
  inference the forward pass of the feature extractor, FC block and output layer, without gradients

The layers are read from the "# Block k: C(a→b) @H, ... head MP(kh,kw;ph,pw)", "# MaxPool(2,2)" and
"# FC block: L(a→b)" comments that tools/gen_models.py writes into each model file.

PyTorch is NOT a nitro dependency and is not in ./bazelw's PACKAGES. bench/run.sh installs Debian's
package with OpenBLAS on first use (Debian's torch calls whichever libblas.so.3 is installed, and the
reference BLAS that python3-torch pulls in by itself makes its Linear layers ten times slower):
  tools/install_debian_packages.sh bench/run.sh python3-torch libopenblas0-pthread
Run this with the Debian interpreter, /usr/bin/python3 (a pyenv python3 on PATH does not see it).
The script prints the BLAS library it loaded. Without torch it prints that it skipped and exits 0.

  /usr/bin/python3 bench/pytorch_vgg8b.py [--threads=2] [--batch=64] [--steps=3] [--models=vgg8b_mnist,vgg8b_cifar10]
"""
import re
import sys

from torch_peer import bench_main

BLOCK_RE = re.compile(r"^# Block (\d+): C\((\d+)→(\d+)\) @(\d+),.*head MP\((\d+),(\d+);(\d+),(\d+)\)")
POOL_RE = re.compile(r"^# MaxPool\(2,2\) (\d+)→(\d+)")
FC_RE = re.compile(r"^# FC block: L\((\d+)→(\d+)\)")
INPUT_RE = re.compile(r'^input \{ name: "image"\s+dtype: INT8 shape: \[(\d+), (\d+), (\d+)\]')


def read_model(path):
    """Returns (input shape, [conv blocks], fc (in, out)); a block is a dict with its pool after it."""
    blocks, fc, shape = [], None, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if m := INPUT_RE.match(line):
                shape = tuple(int(v) for v in m.groups())
            elif m := BLOCK_RE.match(line):
                _, cin, cout, size, kh, kw, ph, pw = (int(v) for v in m.groups())
                blocks.append(dict(cin=cin, cout=cout, size=size, head=(kh, kw), pad=(ph, pw), pool_after=False))
            elif POOL_RE.match(line) and blocks:
                blocks[-1]["pool_after"] = True
            elif m := FC_RE.match(line):
                fc = (int(m.group(1)), int(m.group(2)))
    if shape is None or not blocks or fc is None:
        sys.exit(f"{path}: no VGG layer comments found (is it a tools/gen_models.py VGG model?)")
    return shape, blocks, fc


def build(torch, shape, blocks, fc):
    nn = torch.nn
    convs, heads = nn.ModuleList(), nn.ModuleList()
    c, h, w = shape
    for b in blocks:
        convs.append(nn.Sequential(nn.Conv2d(b["cin"], b["cout"], 3, padding=1, bias=False), nn.ReLU()))
        pool = nn.MaxPool2d(b["head"], stride=b["head"], padding=b["pad"])
        ho = (h + 2 * b["pad"][0] - b["head"][0]) // b["head"][0] + 1
        wo = (w + 2 * b["pad"][1] - b["head"][1]) // b["head"][1] + 1
        heads.append(nn.Sequential(pool, nn.Flatten(), nn.Linear(b["cout"] * ho * wo, 10, bias=False)))
        if b["pool_after"]:
            h, w = h // 2, w // 2
    fc_block = nn.Sequential(nn.Flatten(), nn.Linear(fc[0], fc[1], bias=False), nn.ReLU())
    fc_head = nn.Linear(fc[1], 10, bias=False)
    out = nn.Sequential(nn.Dropout(0.15), nn.Linear(fc[1], 10, bias=False))
    return convs, heads, fc_block, fc_head, out


def features(torch, convs, blocks, x, detach, head_fn=None):
    for conv, b, i in zip(convs, blocks, range(len(blocks))):
        a = conv(x.detach() if detach else x)
        if head_fn is not None:
            head_fn(i, a)
        x = torch.nn.functional.max_pool2d(a, 2) if b["pool_after"] else a
    return x


def make_step(torch, mode, net, blocks, x, t):
    convs, heads, fc_block, fc_head, out = net
    params = [p for m in net for p in m.parameters()]
    opt = torch.optim.SGD(params, lr=1e-3)
    mse = torch.nn.functional.mse_loss

    def local():
        opt.zero_grad(set_to_none=True)
        losses = []
        f = features(torch, convs, blocks, x, True, lambda i, a: losses.append(mse(heads[i](a), t)))
        h = fc_block(f.detach())
        losses.append(mse(fc_head(h), t))
        losses.append(mse(out(h.detach()), t))
        sum(losses).backward()  # the graphs are disjoint: each loss reaches only its own block
        opt.step()

    def backprop():
        opt.zero_grad(set_to_none=True)
        mse(out(fc_block(features(torch, convs, blocks, x, False))), t).backward()
        opt.step()

    def inference():
        with torch.no_grad():
            out(fc_block(features(torch, convs, blocks, x, False)))

    return {"local": local, "backprop": backprop, "inference": inference}[mode]


def prepare(torch, path, batch):
    shape, blocks, fc = read_model(path)
    net = build(torch, shape, blocks, fc)
    x = torch.randn(batch, *shape)
    t = torch.nn.functional.one_hot(torch.randint(0, 10, (batch,)), 10).float()
    return lambda mode: make_step(torch, mode, net, blocks, x, t)


def main():
    return bench_main(__doc__, "vgg8b_mnist,vgg8b_cifar10", prepare)

if __name__ == "__main__":
    sys.exit(main())
