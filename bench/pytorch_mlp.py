#!/usr/bin/env python3
"""Times the training step of nitro's MLP models (models/mlp*.pbtxt) in PyTorch float32 on this CPU.

The peer figure for an MLP run's time per epoch (docs/results.md): the same layer sizes, batch and
thread count, in the three modes of bench/pytorch_vgg8b.py, printing img/s:
  local     local losses like NITRO-D: each hidden block (Linear, ReLU) has its own Linear head and MSE
            loss, its input is detached, and the model file's dropout sits between blocks; one SGD step
  backprop  the same layers trained end to end from the output layer's loss only (no heads)
  inference the forward pass of the blocks and the output layer, without gradients

The layers are the model file's weight parameters: `param { name: "bK.w" shape: [out, in] ... }` for
block K, "bK.head.w" for its head, "out.w" for the output layer; the dropout is the first
`rate_permille` attribute.

PyTorch is not a nitro dependency: see bench/pytorch_vgg8b.py for installing Debian's package.

  /usr/bin/python3 bench/pytorch_mlp.py [--threads=2] [--batch=64] [--steps=3] [--models=mlp4_cifar10]
"""
import re
import sys

from torch_peer import bench_main

PARAM_RE = re.compile(r'^param \{ name: "(b\d+|out)\.w"\s+shape: \[(\d+), (\d+)\]')
DROPOUT_RE = re.compile(r'name: "rate_permille" i: (\d+)')


def read_model(path):
    """Returns ([(in, out)] of the hidden blocks in order, output layer's (in, out), dropout rate)."""
    blocks, out, rate = [], None, 0.0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if m := PARAM_RE.match(line):
                layer = (int(m.group(3)), int(m.group(2)))
                if m.group(1) == "out":
                    out = layer
                else:
                    blocks.append(layer)
            elif (m := DROPOUT_RE.search(line)) and not rate:
                rate = int(m.group(1)) / 1000
    if not blocks or out is None:
        sys.exit(f"{path}: no 'bK.w' / 'out.w' Linear parameters found (is it an MLP model?)")
    return blocks, out, rate


def make_step(torch, mode, blocks, out, rate, x, t):
    nn = torch.nn
    layers = nn.ModuleList(nn.Sequential(nn.Linear(i, o, bias=False), nn.ReLU()) for i, o in blocks)
    heads = nn.ModuleList(nn.Linear(o, 10, bias=False) for _, o in blocks)
    output = nn.Linear(*out, bias=False)
    drop = nn.Dropout(rate)
    params = [p for m in (layers, heads, output) for p in m.parameters()]
    opt = torch.optim.SGD(params, lr=1e-3)
    mse = torch.nn.functional.mse_loss
    flat = x.flatten(1)

    def forward(detach, losses):
        h = flat
        for i, layer in enumerate(layers):
            a = layer(h.detach() if detach else h)
            if losses is not None:
                losses.append(mse(heads[i](a), t))
            h = drop(a)
        return output(h.detach() if detach else h)

    def local():
        opt.zero_grad(set_to_none=True)
        losses = []
        losses.append(mse(forward(True, losses), t))
        sum(losses).backward()  # the graphs are disjoint: each loss reaches only its own block
        opt.step()

    def backprop():
        opt.zero_grad(set_to_none=True)
        mse(forward(False, None), t).backward()
        opt.step()

    def inference():
        with torch.no_grad():
            drop.eval()
            forward(False, None)
            drop.train()

    return {"local": local, "backprop": backprop, "inference": inference}[mode]


def prepare(torch, path, batch):
    blocks, out, rate = read_model(path)
    x = torch.randn(batch, blocks[0][0])
    t = torch.nn.functional.one_hot(torch.randint(0, 10, (batch,)), 10).float()
    return lambda mode: make_step(torch, mode, blocks, out, rate, x, t)


def main():
    return bench_main(__doc__, "mlp4_cifar10", prepare)

if __name__ == "__main__":
    sys.exit(main())
