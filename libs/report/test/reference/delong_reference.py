"""Independent DeLong (1988) reference values for libs/report/test/paired-statistics.test.ts.

Written from the paper's definitions (psi kernel, V10/V01 structural components, S10/S01 covariance
matrices), O(m·n), no ranks: a different computation from libs/report/src/delong.ts (mid-ranks).
Run: python3 libs/report/test/reference/delong_reference.py
"""
import json
import numpy as np
from scipy.stats import norm


def psi(x, y):
    return 1.0 if x > y else 0.5 if x == y else 0.0


def components(scores, labels):
    pos = [s for s, l in zip(scores, labels) if l == 1]
    neg = [s for s, l in zip(scores, labels) if l == 0]
    v10 = np.array([np.mean([psi(x, y) for y in neg]) for x in pos])
    v01 = np.array([np.mean([psi(x, y) for x in pos]) for y in neg])
    return v10, v01


def delong(models, labels, contrast):
    comps = [components(s, labels) for s in models]
    v10 = np.array([c[0] for c in comps])  # r x m
    v01 = np.array([c[1] for c in comps])  # r x n
    m, n = v10.shape[1], v01.shape[1]
    aucs = v10.mean(axis=1)
    s10 = np.cov(v10)
    s01 = np.cov(v01)
    c = np.array(contrast)
    var = c @ s10 @ c / m + c @ s01 @ c / n
    delta = c @ aucs
    se = np.sqrt(var)
    z = delta / se
    p = 2 * norm.sf(abs(z))
    q = norm.ppf(0.975)
    return {"aucs": aucs.tolist(), "delta": float(delta), "se": float(se), "z": float(z), "p": float(p), "low": float(delta - q * se), "high": float(delta + q * se)}


labels = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
a = [0.9, 0.8, 0.55, 0.4, 0.55, 0.3, 0.2, 0.6, 0.1, 0.35]
b = [0.7, 0.75, 0.3, 0.45, 0.5, 0.5, 0.25, 0.65, 0.2, 0.1]
c = [0.85, 0.6, 0.5, 0.5, 0.4, 0.45, 0.3, 0.7, 0.15, 0.2]
out = {
    "labels": labels, "a": a, "b": b, "c": c,
    "a_minus_b": delong([a, b], labels, [1, -1]),
    # arm A = seeds a and c (mean of their components), arm B = b
    "mean_ac_minus_b": delong([a, c, b], labels, [0.5, 0.5, -1]),
    "q975": float(norm.ppf(0.975)),
    "cdf_1_5": float(norm.cdf(1.5)),
}
print(json.dumps(out, indent=1))
