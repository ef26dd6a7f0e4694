#!/usr/bin/env python3
"""Generates random/binomial_thresholds.inc: exact integer thresholds for numpy's binomial(1, p).

NumPy's legacy RandomState.binomial(1, p) (legacy_random_binomial_original ->
legacy_random_binomial_inversion, n = 1) runs in double precision:

    q' = p if p <= 0.5 else 1.0 - p          # the argument of the inversion
    q  = 1.0 - q'
    qn = exp(1 * log(q))                      # glibc libm, as numpy calls it
    bound = int(min(1, q' + 10 sqrt(q' q + 1))) = 1
    X = 0; px = qn; U = next_double()         # U = k / 2^53, k = (a << 26) + b, 53 bits
    while U > px:
        X += 1
        if X > bound: X = 0; px = qn; U = next_double()          # restart
        else:         U -= px; px = ((1 - X + 1) * q' * px) / (X * q)
    return X if p <= 0.5 else 1 - X

Everything that decides the outcome is a comparison of U = k / 2^53 with doubles, so the outcome
is a function of the integer k alone. This script computes, with exact rationals (fractions) on the
exact double values that numpy would compute, two integers T0 <= T1:

    k <= T0        -> X = 0
    T0 < k <= T1   -> X = 1
    k > T1         -> restart with a new k

The training path (C++) then only compares 53-bit integers. The doubles are computed here with
Python floats, which are IEEE-754 binary64 with the same round-to-nearest operations as numpy's C
code, and math.exp / math.log, which call the platform libm exactly as numpy does (glibc 2.36 on
Debian 12 for the golden runs; run this script on such a platform).

Exactness of `U -= px`: for k > T0 we have qn < U < 1. When qn >= 1/2, both U and qn are multiples
of 2^-53 and 0 < U - qn < 1/2, so the difference is a multiple of 2^-53 below 2^0 with at most 52
significant bits: it is exactly representable and the subtraction is exact (Sterbenz). The script
asserts qn >= 1/2 (true for every q' <= 1/2 it supports) and additionally replays the float
algorithm for k values around each threshold and at random to confirm the integer rule.

Supported p (keyed by p_per_million): p = 1/2 (augmentation), and the dropout keep probabilities
p = 1.0 - rate for rate = 0.00, 0.05, ..., 1.00 (the reference passes `1 - self.p`, so p is the
double nearest to 1 - fl(rate)). rate 0 and 1 give p = 1 and p = 0, which numpy still draws for.

Usage:
    python3 tools/gen_binomial_thresholds.py > random/binomial_thresholds.inc
    python3 tools/gen_binomial_thresholds.py --reference   # prints expected values for the tests
"""

import math
import random
import sys
from fractions import Fraction

TWO53 = 1 << 53


# ---------------------------------------------------------------------------------------------
# A small pure-Python MT19937 + numpy legacy algorithms, used to cross-check the thresholds and to
# print expected values for random/numpy_random_test.cc.
# ---------------------------------------------------------------------------------------------
class MT19937:
    def __init__(self, seed):
        mt = [0] * 624
        mt[0] = seed & 0xFFFFFFFF
        for i in range(1, 624):
            mt[i] = (1812433253 * (mt[i - 1] ^ (mt[i - 1] >> 30)) + i) & 0xFFFFFFFF
        self.mt = mt
        self.pos = 624

    def state_for_python_random(self):
        return (3, tuple(self.mt) + (self.pos,), None)

    def _twist(self):
        mt = self.mt
        for i in range(624):
            y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7FFFFFFF)
            v = mt[(i + 397) % 624] ^ (y >> 1)
            if y & 1:
                v ^= 0x9908B0DF
            mt[i] = v
        self.pos = 0

    def next_u32(self):
        if self.pos >= 624:
            self._twist()
        y = self.mt[self.pos]
        self.pos += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        y ^= y >> 18
        return y

    def next_k53(self):
        a = self.next_u32() >> 5
        b = self.next_u32() >> 6
        return (a << 26) + b

    def next_double(self):
        a = self.next_u32() >> 5
        b = self.next_u32() >> 6
        return (a * 67108864.0 + b) / 9007199254740992.0

    def bounded(self, r):
        if r == 0:
            return 0
        mask = r
        for s in (1, 2, 4, 8, 16):
            mask |= mask >> s
        while True:
            v = self.next_u32() & mask
            if v <= r:
                return v


def inversion_params(p):
    """The doubles numpy computes for binomial(1, p): (q', q, qn, px1, invert)."""
    invert = not (p <= 0.5)
    qp = (1.0 - p) if invert else p
    q = 1.0 - qp
    qn = math.exp(1.0 * math.log(q))
    npq = 1.0 * qp
    bound = int(min(1.0, npq + 10.0 * math.sqrt(npq * q + 1)))
    assert bound == 1, (p, bound)
    px1 = ((1 - 1 + 1) * qp * qn) / (1 * q)
    return qp, q, qn, px1, invert


def numpy_binomial1_from_k(p, ks):
    """numpy's float algorithm, fed with successive 53-bit draws from the iterator `ks`."""
    qp, q, qn, _, invert = inversion_params(p)
    x = 0
    px = qn
    u = next(ks) / 9007199254740992.0
    while u > px:
        x += 1
        if x > 1:
            x = 0
            px = qn
            u = next(ks) / 9007199254740992.0
        else:
            u -= px
            px = ((1 - x + 1) * qp * px) / (x * q)
    return 1 - x if invert else x


def thresholds(p):
    qp, q, qn, px1, invert = inversion_params(p)
    assert qn >= 0.5, "qn < 1/2: the exactness argument for U -= px does not hold (p=%r)" % p
    qn_scaled = Fraction(qn) * TWO53
    assert qn_scaled.denominator == 1
    t0 = int(qn_scaled)  # U <= qn  <=>  k <= qn * 2^53
    # For k > t0: U - qn = (k - t0) / 2^53 exactly; X stays 1 iff (k - t0) / 2^53 <= px1.
    t1 = t0 + math.floor(Fraction(px1) * TWO53)
    return t0, t1, invert, (qp, q, qn, px1)


def integer_rule(t0, t1, invert, ks):
    while True:
        k = next(ks)
        if k <= t0:
            x = 0
            break
        if k <= t1:
            x = 1
            break
    return 1 - x if invert else x


def check(p, t0, t1, invert):
    rng = random.Random(p)
    probes = set()
    for t in (t0, t1):
        for d in range(-4, 5):
            if 0 <= t + d < TWO53:
                probes.add(t + d)
    probes.update((0, 1, TWO53 - 2, TWO53 - 1))
    probes.update(rng.randrange(TWO53) for _ in range(20000))
    for k in sorted(probes):
        # A restart consumes a second draw; use a fixed small second draw for both rules.
        a = numpy_binomial1_from_k(p, iter((k, 12345, 12345)))
        b = integer_rule(t0, t1, invert, iter((k, 12345, 12345)))
        assert a == b, (p, k, a, b)


def supported_p():
    """(p_per_million, p as numpy sees it, description)."""
    out = [(500000, 0.5, "p = 0.5 (augmentation)")]
    for step in range(0, 21):
        rate_ppm = step * 50000
        if rate_ppm == 500000:
            continue  # keep probability 0.5 is the entry above (1.0 - 0.5 == 0.5 exactly)
        rate = float(Fraction(rate_ppm, 10**6))  # the literal, e.g. 0.15
        out.append((10**6 - rate_ppm, 1.0 - rate, "keep = 1 - %r" % rate))
    out.sort()
    return out


def emit():
    lines = [
        "// GENERATED by tools/gen_binomial_thresholds.py; do not edit. Regenerate with",
        "//   python3 tools/gen_binomial_thresholds.py > random/binomial_thresholds.inc",
        "// Exact integer form of numpy's legacy binomial(1, p): with k the 53-bit draw (U = k/2^53),",
        "// X = 0 if k <= t0, X = 1 if t0 < k <= t1, else redraw; result = invert ? 1 - X : X.",
        "// Fields: {p_per_million, t0, t1, invert}. Comments give the doubles numpy computes.",
    ]
    for ppm, p, desc in supported_p():
        t0, t1, invert, (qp, q, qn, px1) = thresholds(p)
        check(p, t0, t1, invert)
        lines.append("// %s: p=%r q'=%r qn=%r px1=%r" % (desc, p, qp, qn, px1))
        lines.append("{%d, %dULL, %dULL, %s}," % (ppm, t0, t1, "true" if invert else "false"))
    print("\n".join(lines))


def reference():
    """Expected values for random/numpy_random_test.cc."""
    m = MT19937(42)
    py = random.Random()
    py.setstate(m.state_for_python_random())
    first = [m.next_u32() for _ in range(5)]
    assert first == [py.getrandbits(32) for _ in range(5)], "MT19937 disagrees with CPython"
    print("seed 42 u32[0..4]:", first)
    m = MT19937(42)
    py.setstate(m.state_for_python_random())
    ks = [m.next_k53() for _ in range(3)]
    assert [k / 2.0**53 for k in ks] == [py.random() for _ in range(3)]
    print("seed 42 k53[0..2]:", ks)
    m = MT19937(5489)
    print("seed 5489 u32[0]:", m.next_u32(), "(reference mt19937ar: 3499211612)")
    m = MT19937(42)
    m.next_u32()
    for _ in range(700):  # cross a twist
        m.next_u32()
    print("seed 42 u32[701]:", m.next_u32())
    m = MT19937(42)
    print("seed 42 bounded(r) for r=0,1,2,6,9,59999,2^32-2:",
          [m.bounded(r) for r in (0, 1, 2, 6, 9, 59999, 2**32 - 2)])
    m = MT19937(42)
    perm = list(range(60000))
    for i in range(59999, 0, -1):
        j = m.bounded(i)
        perm[i], perm[j] = perm[j], perm[i]
    print("seed 42 shuffle(arange(60000))[0..7]:", perm[:8], "[-1]:", perm[-1],
          "next u32 after:", m.next_u32())
    m = MT19937(42)
    perm = list(range(10))
    for i in range(9, 0, -1):
        j = m.bounded(i)
        perm[i], perm[j] = perm[j], perm[i]
    print("seed 42 shuffle(arange(10)):", perm)
    for ppm in (500000, 850000, 900000, 50000, 0, 1000000):
        p = dict((a, b) for a, b, _ in supported_p())[ppm]
        m = MT19937(7)
        draws = iter(lambda: m.next_k53(), None)
        xs = [numpy_binomial1_from_k(p, draws) for _ in range(32)]
        print("seed 7 binomial(1, %r) x32:" % p, "".join(map(str, xs)),
              "ones in 100000:", sum(numpy_binomial1_from_k(p, draws) for _ in range(100000)))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--reference":
        reference()
    else:
        emit()
