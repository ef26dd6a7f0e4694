#!/usr/bin/env python3
"""Generates models/<name>.pbtxt for every paper configuration of spec §7.

    python3 tools/gen_models.py            # rewrites models/*.pbtxt next to this script's repo
    python3 tools/gen_models.py --out DIR  # writes into DIR instead
    python3 tools/gen_models.py --check    # exits 1 if a file in models/ is out of date

Every number comes from the spec:
  * §7.2: hidden sizes, architectures, dropout rates, augmentation, eta_fw / eta_lr (decay_inv);
  * §3.1, §2.3: NITRO Scaling divisor = 256 * fan_in (conv: C_in * 3 * 3; heads: D; output: d_last);
  * §3.2: the head pooling rule of conv blocks (d^lr = 4096), implemented in head_pool();
  * §3.5: MLP dropout after every block, CNN dropout before the last feature-extractor MaxPool and
    after the FC block, and the FC block(s) of CNNs visited twice per step;
  * §4.1, §7.1: amp 640 for block forward layers, 1 for heads and the output layer;
  * §4.2, §6.3, §7.1: the training configuration, schedule and augmentation.
The conventions (value and parameter names, layout) follow the hand-written models/mlp1_mnist.pbtxt.
Integer arithmetic only.
"""

import argparse
import os
import sys

NUM_CLASSES = 10
FWD_AMP = 640        # lr_amp_factor of block forward layers (§4.1)
SCALE_BASE = 256     # NITRO Scaling: SF = 2^8 * fan_in (§2.3)
PRED_DECODER_DIM = 4096  # d^lr, `pred_decoder_dim` of every paper CNN (§7.1)
CONV_K = 3           # every paper conv is 3x3, stride 1, pad 1 (§2.2)

DATASETS = {
    # name: (train.dataset, [C, H, W], augment fields or None when the run has augmentation)
    "mnist": ("mnist", [1, 28, 28], [("crop_size", 28), ("crop_padding", 2)]),
    "fmnist": ("fashion_mnist", [1, 28, 28], [("crop_size", 28), ("crop_padding", 2), ("hflip", "true")]),
    "cifar10": ("cifar10", [3, 32, 32], [("crop_size", 32), ("crop_padding", 4), ("hflip", "true")]),
}
DATASET_TITLE = {"mnist": "MNIST", "fmnist": "FashionMNIST", "cifar10": "CIFAR-10"}

# Feature extractors (§7.2): an int is a 3x3 conv block with that many filters, "M" a MaxPool(2, 2).
VGG8B = [128, 256, "M", 256, 512, "M", 512, "M", 512, "M"]
VGG11B = [128, 128, 128, 256, "M", 256, 512, "M", 512, 512, "M", 512, "M"]

# The paper configurations (§7.2, results §7.3). dropout is in per-mille.
MODELS = [
    dict(name="mlp1_mnist", kind="mlp", data="mnist", hidden=[100, 50], dropout=0, augment=False,
         eta_fw=12000, eta_lr=3000, result="97.36 ± 0.23 %", results_dir="mlp_1_mnist"),
    dict(name="mlp2_fmnist", kind="mlp", data="fmnist", hidden=[200, 100, 50], dropout=0, augment=False,
         eta_fw=10000, eta_lr=8000, result="88.66 ± 0.46 %", results_dir="mlp_2_fmnist"),
    dict(name="mlp3_mnist", kind="mlp", data="mnist", hidden=[1024, 1024, 1024], dropout=0, augment=True,
         eta_fw=28000, eta_lr=500, result="98.28 ± 0.08 %", results_dir="mlp_3_mnist"),
    dict(name="mlp3_fmnist", kind="mlp", data="fmnist", hidden=[1024, 1024, 1024], dropout=0, augment=True,
         eta_fw=29000, eta_lr=6000, result="89.13 ± 0.41 %", results_dir="mlp_3_fmnist"),
    dict(name="mlp4_cifar10", kind="mlp", data="cifar10", hidden=[3000, 3000, 3000], dropout=100, augment=True,
         eta_fw=19000, eta_lr=7500, result="61.03 ± 0.60 %", results_dir="mlp_4_cifar10"),
    dict(name="vgg8b_mnist", kind="cnn", arch_name="VGG8B", arch=VGG8B, fc=[1024], data="mnist", dropout=0,
         augment=True, eta_fw=30000, eta_lr=3000, result="99.45 ± 0.05 %", results_dir="vgg8b_mnist"),
    dict(name="vgg8b_fmnist", kind="cnn", arch_name="VGG8B", arch=VGG8B, fc=[1024], data="fmnist", dropout=100,
         augment=True, eta_fw=28000, eta_lr=3500, result="93.66 ± 0.40 %", results_dir="vgg8b_fmnist"),
    dict(name="vgg8b_cifar10", kind="cnn", arch_name="VGG8B", arch=VGG8B, fc=[1024], data="cifar10", dropout=150,
         augment=True, eta_fw=25000, eta_lr=3000, result="87.96 ± 0.39 %", results_dir="vgg8b_cifar10"),
    dict(name="vgg11b_cifar10", kind="cnn", arch_name="VGG11B", arch=VGG11B, fc=[1024], data="cifar10", dropout=0,
         augment=True, eta_fw=28000, eta_lr=4500, result="87.39 ± 0.64 %", results_dir="vgg11b_cifar10"),
]


def ceil_div(a, b):
    return -(-a // b)


def head_pool(channels, size, dmax=PRED_DECODER_DIM):
    """The head pooling rule of spec §3.2 for a conv block with `channels` x `size` x `size` output.

    Returns (kh, kw, ph, pw, sh, sw, d); kh = kw = 1 means no pooling.
    """
    kh = kw = 1
    sh = sw = size
    d = channels * size * size
    while d > dmax and kh < size:
        kh *= 2
        sh = ceil_div(size, kh)
        d = channels * sh * sw
        if d > dmax:
            kw *= 2
            sw = ceil_div(size, kw)
            d = channels * sh * sw
    ph = pw = 0
    if kh > 1 or kw > 1:
        ph = (kh * (sh - size // kh)) // 2
        pw = (kw * (sw - size // kw)) // 2
    return kh, kw, ph, pw, sh, sw, d


# Head pooling of spec §7.2 as (C, S) -> (kh, kw, ph, pw, D): the tables the rule must reproduce.
SPEC_HEAD_POOLS = {
    # VGG8B, 28x28 input.
    (128, 28): (8, 4, 4, 0, 3584), (256, 28): (8, 8, 4, 4, 4096), (256, 14): (4, 4, 2, 2, 4096),
    (512, 14): (8, 4, 4, 2, 4096), (512, 7): (4, 2, 2, 1, 4096), (512, 3): (2, 1, 1, 0, 3072),
    # VGG8B / VGG11B, 32x32 input: every head has D = 4096 and pad 0.
    (128, 32): (8, 4, 0, 0, 4096), (256, 32): (8, 8, 0, 0, 4096), (256, 16): (4, 4, 0, 0, 4096),
    (512, 16): (8, 4, 0, 0, 4096), (512, 8): (4, 2, 0, 0, 4096), (512, 4): (2, 1, 0, 0, 4096),
}


def check_head_pools():
    """Fails loudly if head_pool() disagrees with the §7.2 tables."""
    for (c, s), want in sorted(SPEC_HEAD_POOLS.items()):
        kh, kw, ph, pw, _, _, d = head_pool(c, s)
        if (kh, kw, ph, pw, d) != want:
            raise AssertionError("head_pool(%d, %d) = %s, spec §7.2 says %s" % (c, s, (kh, kw, ph, pw, d), want))


def pstr(s):
    return '"%s"' % s


def plist(values):
    return "[" + ", ".join(str(v) for v in values) + "]"


def ins(names):
    return pstr(names[0]) if len(names) == 1 else "[" + ", ".join(pstr(n) for n in names) + "]"


def ints_attr(name, values):
    return "attr { name: %s ints { v: %s } }" % (pstr(name), plist(values))


def int_attr(name, value):
    return "attr { name: %s i: %d }" % (pstr(name), value)


class Builder:
    """Collects params, blocks and node groups, then renders them with aligned columns."""

    def __init__(self):
        self.params = []   # (name, shape, amp, decay_inv)
        self.blocks = []   # (name, visits)
        self.groups = []   # {"comments": [...], "nodes": [(block, op, in, out, attrs)]}

    def param(self, name, shape, amp, decay_inv):
        self.params.append((name, shape, amp, decay_inv))
        return name

    def block(self, name, visits=1):
        self.blocks.append((name, visits))

    def group(self, *comments):
        self.groups.append({"comments": list(comments), "nodes": []})

    def node(self, block, op, inputs, outputs, attrs=()):
        self.groups[-1]["nodes"].append((block, op, list(inputs), list(outputs), list(attrs)))
        return outputs[0]

    def render_params(self):
        cols = [['name: %s' % pstr(n), 'shape: %s' % plist(s), 'init { kaiming {} }', 'amp: %d' % a,
                 'decay_inv: %d' % d] for n, s, a, d in self.params]
        return render_columns("param { ", cols, " }")

    def render_blocks(self):
        lines = []
        for name, visits in self.blocks:
            extra = " visits: %d" % visits if visits != 1 else ""
            lines.append("block { name: %s%s }" % (pstr(name), extra))
        return lines

    def render_nodes(self):
        lines = []
        for g in self.groups:
            if lines:
                lines.append("")
            lines.extend("# " + c for c in g["comments"])
            cols = []
            for block, op, i, o, attrs in g["nodes"]:
                row = ['block: %s' % pstr(block)] if block else []
                row += ['op: %s' % pstr(op), 'in: %s' % ins(i), 'out: %s' % ins(o)]
                row += attrs
                cols.append(row)
            lines.extend(render_columns("node { ", cols, " }"))
        return lines


def render_columns(prefix, rows, suffix):
    """Pads every field but the last of each row to the widest field in that column."""
    width = {}
    for row in rows:
        for k, f in enumerate(row[:-1]):
            width[k] = max(width.get(k, 0), len(f))
    out = []
    for row in rows:
        fields = [f.ljust(width[k]) if k < len(row) - 1 else f for k, f in enumerate(row)]
        out.append(prefix + " ".join(fields) + suffix)
    return out


def add_linear_block(b, name, x, d_in, d_out, m):
    """A LocalLinearBlock (§3.1, §3.2): Linear -> Scale -> NitroRelu; head Linear -> Scale -> RssLoss."""
    w = b.param(name + ".w", [d_out, d_in], FWD_AMP, m["eta_fw"])
    hw = b.param(name + ".head.w", [NUM_CLASSES, d_out], 1, m["eta_lr"])
    b.node(name, "Linear", [x, w], [name + ".z"])
    b.node(name, "Scale", [name + ".z"], [name + ".s"], [int_attr("divisor", SCALE_BASE * d_in)])
    a = b.node(name, "NitroRelu", [name + ".s"], [name + ".a"])
    b.node(name, "Linear", [a, hw], [name + ".head.z"])
    b.node(name, "Scale", [name + ".head.z"], [name + ".head.y"], [int_attr("divisor", SCALE_BASE * d_out)])
    b.node(name, "RssLoss", [name + ".head.y", "target"], [name + ".loss", name + ".correct"])
    return a


def add_conv_block(b, name, x, c_in, c_out, size, m):
    """A LocalConv2dBlock (§3.1, §3.2): Conv2D -> Scale -> NitroRelu; head [MaxPool2D] -> Flatten ->
    Linear -> Scale -> RssLoss. Returns (output value, head pooling tuple)."""
    fan_in = c_in * CONV_K * CONV_K
    kh, kw, ph, pw, sh, sw, d = head_pool(c_out, size)
    w = b.param(name + ".w", [c_out, c_in, CONV_K, CONV_K], FWD_AMP, m["eta_fw"])
    hw = b.param(name + ".head.w", [NUM_CLASSES, d], 1, m["eta_lr"])
    b.node(name, "Conv2D", [x, w], [name + ".z"])
    b.node(name, "Scale", [name + ".z"], [name + ".s"], [int_attr("divisor", SCALE_BASE * fan_in)])
    a = b.node(name, "NitroRelu", [name + ".s"], [name + ".a"])
    h = a
    if kh > 1 or kw > 1:
        h = b.node(name, "MaxPool2D", [h], [name + ".head.p"], [ints_attr("kernel", [kh, kw]), ints_attr("pad", [ph, pw])])
    b.node(name, "Flatten", [h], [name + ".head.f"])
    b.node(name, "Linear", [name + ".head.f", hw], [name + ".head.z"])
    b.node(name, "Scale", [name + ".head.z"], [name + ".head.y"], [int_attr("divisor", SCALE_BASE * d)])
    b.node(name, "RssLoss", [name + ".head.y", "target"], [name + ".loss", name + ".correct"])
    return a, (kh, kw, ph, pw, sh, sw, d)


def add_output(b, x, d_in, m):
    """The output layers (§3.1): Linear -> Scale, giving `logits`, trained on its own RssLoss."""
    w = b.param("out.w", [NUM_CLASSES, d_in], 1, m["eta_lr"])
    b.group("Output layer: L(%d→%d), S/%d." % (d_in, NUM_CLASSES, SCALE_BASE * d_in))
    b.node("out", "Linear", [x, w], ["out.z"])
    b.node("out", "Scale", ["out.z"], ["logits"], [int_attr("divisor", SCALE_BASE * d_in)])
    b.node("out", "RssLoss", ["logits", "target"], ["out.loss", "out.correct"])


def build_mlp(m):
    b = Builder()
    chw = DATASETS[m["data"]][1]
    d = chw[0] * chw[1] * chw[2]
    b.group("Flatten %d×%d×%d → %d." % (chw[0], chw[1], chw[2], d))
    x = b.node("", "Flatten", ["image"], ["x"])
    for i, h in enumerate(m["hidden"]):
        name = "b%d" % i
        b.block(name)
        b.group("Block %d: L(%d→%d), S/%d, R; head L(%d→%d), S/%d." %
                (i, d, h, SCALE_BASE * d, h, NUM_CLASSES, SCALE_BASE * h))
        x = add_linear_block(b, name, x, d, h, m)
        d = h
        if m["dropout"]:
            b.group("Dropout %d‰ between blocks (§3.5); never back-propagated." % m["dropout"])
            x = b.node("", "Dropout", [x], ["drop%d" % i], [int_attr("rate_permille", m["dropout"])])
    b.block("out")
    add_output(b, x, d, m)
    return b


def build_cnn(m):
    b = Builder()
    c, size, _ = DATASETS[m["data"]][1]
    last_pool = max(k for k, layer in enumerate(m["arch"]) if layer == "M")
    x = "image"
    blk = 0
    for k, layer in enumerate(m["arch"]):
        if layer == "M":
            prev = blk - 1
            if k == last_pool and m["dropout"]:
                b.group("Dropout %d‰ before the last feature-extractor MaxPool (§3.5)." % m["dropout"])
                x = b.node("", "Dropout", [x], ["drop%d" % prev], [int_attr("rate_permille", m["dropout"])])
            out = (size - 2) // 2 + 1
            if k == last_pool:
                b.group("MaxPool(2,2) %d→%d, then Flatten %d." % (size, out, c * out * out))
            else:
                b.group("MaxPool(2,2) %d→%d." % (size, out))
            x = b.node("", "MaxPool2D", [x], ["pool%d" % prev], [ints_attr("kernel", [2, 2])])
            size = out
            continue
        name = "b%d" % blk
        b.block(name)
        pos = len(b.groups)
        b.group()
        x, (kh, kw, ph, pw, sh, sw, d) = add_conv_block(b, name, x, c, layer, size, m)
        pool = "MP(%d,%d;%d,%d) → %d×%d" % (kh, kw, ph, pw, sh, sw) if kh > 1 or kw > 1 else "no pooling"
        b.groups[pos]["comments"] = ["Block %d: C(%d→%d) @%d, S/%d, R; head %s, D = %d, L(%d→%d), S/%d." %
                                     (blk, c, layer, size, SCALE_BASE * c * CONV_K * CONV_K, pool, d, d,
                                      NUM_CLASSES, SCALE_BASE * d)]
        c = layer
        blk += 1
    b.groups[-1]["nodes"].append(("", "Flatten", [x], ["flat"], []))
    x = "flat"
    d = c * size * size
    for i, h in enumerate(m["fc"]):
        name = "fc" if len(m["fc"]) == 1 else "fc%d" % i
        b.block(name, visits=2)
        b.group("FC block: L(%d→%d), S/%d, R; head L(%d→%d), S/%d. Visited twice per step (§3.5)." %
                (d, h, SCALE_BASE * d, h, NUM_CLASSES, SCALE_BASE * h))
        x = add_linear_block(b, name, x, d, h, m)
        d = h
        if m["dropout"]:
            b.group("Dropout %d‰ after the FC block (§3.5)." % m["dropout"])
            x = b.node("", "Dropout", [x], ["drop_" + name], [int_attr("rate_permille", m["dropout"])])
    b.block("out")
    add_output(b, x, d, m)
    return b


def describe(m):
    """(first comment line, doc string)."""
    title = DATASET_TITLE[m["data"]]
    if m["kind"] == "mlp":
        chw = DATASETS[m["data"]][1]
        sizes = [chw[0] * chw[1] * chw[2]] + m["hidden"] + [NUM_CLASSES]
        arch = "MLP " + "-".join(str(s) for s in sizes)
        note = ", %d local-loss blocks" % len(m["hidden"])
        if m["data"] == "cifar10":
            note += "; RGB inputs as run (the paper table says 1024, spec §6.1)"
    else:
        arch = m["arch_name"]
        convs = sum(1 for layer in m["arch"] if layer != "M")
        note = ", %d conv blocks + FC block %s" % (convs, "-".join(str(h) for h in m["fc"]))
    first = "%s on %s (spec §7.2, results/%s)%s." % (arch, title, m["results_dir"], note)
    doc = "NITRO-D %s on %s; paper: %s" % (arch, title, m["result"])
    return first, doc


def render(m):
    b = build_mlp(m) if m["kind"] == "mlp" else build_cnn(m)
    dataset, chw, augment = DATASETS[m["data"]]
    first, doc = describe(m)
    lines = ["# " + first,
             "# Paper result (mean test accuracy over seeds 42-51, ± 2σ): %s." % m["result"],
             "# Generated by tools/gen_models.py; do not edit.",
             'name: "%s"' % m["name"],
             'doc: "%s"' % doc,
             "",
             'input { name: "image"  dtype: INT8 shape: %s }' % plist(chw),
             'input { name: "target" dtype: INT8 shape: [%d] role: TARGETS }' % NUM_CLASSES,
             "",
             "# Forward layers: amp %d, decay 1/%d. Heads and output: amp 1, decay 1/%d." %
             (FWD_AMP, m["eta_fw"], m["eta_lr"])]
    if m["dropout"]:
        lines[-1] += " Dropout %d‰." % m["dropout"]
    lines += b.render_params()
    lines.append("")
    lines += b.render_blocks()
    lines.append("")
    lines += b.render_nodes()
    lines += ["", 'output: "logits"', "",
              "train {",
              '  dataset: "%s"' % dataset,
              "  batch_size: 64",
              "  epochs: 150",
              "  lr_inv: 512",
              "  seed: 42",
              "  one_hot_value: 32",
              "  norm_stat_samples: 25000",
              "  norm_scale: 51",
              "  schedule {",
              "    plateau_factor: 3 plateau_min_delta_bp: 100 plateau_patience: 15 plateau_from_epoch: 10",
              "    stop_min_delta_bp: 100 stop_patience: 35 stop_from_epoch: 30",
              "  }"]
    if m["augment"]:
        lines.append("  augment { " + " ".join("%s: %s" % kv for kv in augment) + " }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def param_count(m):
    b = build_mlp(m) if m["kind"] == "mlp" else build_cnn(m)
    total = 0
    for _, shape, _, _ in b.params:
        n = 1
        for s in shape:
            n *= s
        total += n
    return total


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(repo, "models"), help="output directory (default: models/)")
    ap.add_argument("--check", action="store_true", help="compare instead of writing; exit 1 on a difference")
    ap.add_argument("--counts", action="store_true", help="print each model's parameter count")
    args = ap.parse_args()
    check_head_pools()
    stale = []
    for m in MODELS:
        path = os.path.join(args.out, m["name"] + ".pbtxt")
        text = render(m)
        if args.counts:
            print("%-16s %12s" % (m["name"], format(param_count(m), ",")))
        if args.check:
            try:
                with open(path, encoding="utf-8") as f:
                    if f.read() != text:
                        stale.append(path)
            except OSError:
                stale.append(path)
            continue
        if not args.counts:
            os.makedirs(args.out, exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    if stale:
        print("out of date (run tools/gen_models.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
