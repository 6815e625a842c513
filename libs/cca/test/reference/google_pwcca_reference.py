#!/usr/bin/env python3
"""Independent numpy re-implementation of google/svcca's PWCCA, step by step, on degenerate inputs.

Writes google_pwcca_degenerate.json next to this script; test/google-pwcca.test.ts reads it (the test needs
no Python). Regenerate with

    python3 libs/cca/test/reference/google_pwcca_reference.py

Source followed (github.com/google/svcca, Apache-2.0), re-written here, not copied:
  * cca_core.py at 08f8935 (master): get_cca_similarity -> compute_ccas -> remove_small,
    positivedef_matrix_sqrt;
  * pwcca.py at 766f206 (the head of its PR #9): compute_pwcca. master indexes acts1 in the y branch
    (an IndexError, or the wrong layer, when acts2 is the layer weighted); PR #9 indexes acts2 there.

Two deliberate differences from running google's code, both documented in libs/cca/README.md:
  1. Sign of each canonical direction. compute_pwcca adds the neuron means back to its directions, so its
     value depends on the arbitrary sign LAPACK gives each singular vector. We flip each one so that its
     largest-magnitude coefficient is positive (sklearn's svd_flip rule), as libs/cca does.
  2. Square root of pinv's null eigenvalues. With epsilon = 0 and a constant (or all-zero) neuron, sigma_xx is
     singular; pinv zeroes that eigenvalue, but eigh of the result returns it as +-1e-17 rounding noise, and
     np.sqrt of a negative one is NaN, so numpy's svd then fails ("SVD did not converge"). When that happens
     we record the failure and compute again with the square root of max(w, 0), i.e. google's steps in exact
     arithmetic. No other case needs it.

The inputs are regenerated bit for bit by the TypeScript test: xorshift32 (libs/cca/src/rng.ts) and plain
left-to-right float64 loops, no BLAS.
"""

import json
import os

import numpy as np

N = 300
EPSILONS = [0.0, 1e-10, 1e-6, 1e-4]


# --- deterministic inputs ------------------------------------------------------------------------------------

class XorShift32:
    """libs/cca/src/rng.ts: shifts 13, 17, 5; seed 0 -> 0x9E3779B9; next() = x / 2**32."""

    def __init__(self, seed):
        self.x = (seed & 0xFFFFFFFF) or 0x9E3779B9

    def next(self):
        x = self.x
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.x = x
        return x / 4294967296.0


def uniform(seed, rows, cols):
    """U(seed; rows x cols) - 0.5, row-major (test/helpers.ts `uniform`)."""
    g = XorShift32(seed)
    return [[g.next() - 0.5 for _ in range(cols)] for _ in range(rows)]


def layer(z, seed, d, noise=0.4, bias=None, relu=False, scale=None, constant=None):
    """N x d activations: z.W + noise.E (+ bias, ReLU, per-neuron scale); `constant` = {column: value}."""
    n, k = len(z), len(z[0])
    w = uniform(seed, k, d)
    e = uniform(seed + 1, n, d)
    out = []
    for i in range(n):
        row = []
        for j in range(d):
            s = 0.0
            for l in range(k):
                s += z[i][l] * w[l][j]
            s += noise * e[i][j]
            if bias is not None:
                s += bias[j]
            if relu and not s > 0:
                s = 0.0
            if scale is not None:
                s *= scale[j]
            if constant is not None and j in constant:
                s = constant[j]
            row.append(s)
        out.append(row)
    return np.array(out, dtype=np.float64)


def cases():
    z = uniform(11, N, 5)
    dense_a, dense_b = layer(z, 21, 6), layer(z, 31, 9)
    const_a = layer(z, 21, 6, constant={2: 0.75})
    const_b = layer(z, 31, 9, constant={4: 0.1})
    # ReLU: exact zeros on 40-90% of the datapoints; all-zero neurons (A: 3, 5; B: 1, 3, 6); one rarely active,
    # down-scaled neuron per layer (A: 7, B: 10) whose variance is ~1e-5 of the largest.
    relu_a = layer(z, 41, 8, bias=[-0.1, -0.2, 0, -5, -0.1, -5, 0.05, -0.55], relu=True,
                   scale=[1, 1, 1, 1, 1, 1, 1, 0.03])
    relu_b = layer(z, 51, 12, bias=[-0.1, -5, 0, -5, -0.1, -0.3, -5, 0.05, -0.15, 0, -0.55, -0.2], relu=True,
                   scale=[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.02, 1])
    return {
        'dense': (dense_a, dense_b),
        'constant': (const_a, const_b),
        'relu': (relu_a, relu_b),
        # B has fewer live neurons: compute_pwcca weights by acts2 (its y branch).
        'relu_swapped': (relu_b, relu_a),
    }


# --- google/svcca, step by step ---------------------------------------------------------------------------------

def flip_rows(m):
    """Deliberate difference 1: each row's largest-|.| entry made positive (first one on ties)."""
    m = m.copy()
    for i in range(m.shape[0]):
        if m[i, np.argmax(np.abs(m[i]))] < 0:
            m[i] = -m[i]
    return m


def inverse_sqrt(sigma, exact):
    """cca_core.compute_ccas: pinv (rcond 1e-15), then positivedef_matrix_sqrt: eigh, sqrt, V diag V^T."""
    w, v = np.linalg.eigh(np.linalg.pinv(sigma))
    if exact:
        w = np.maximum(w, 0.0)  # deliberate difference 2, used only when google's own steps give NaN
    with np.errstate(invalid='ignore'):
        root = np.sqrt(w)
    return np.dot(v, np.dot(np.diag(root), v.T))


def get_cca_similarity(acts1, acts2, epsilon, exact):
    """cca_core.get_cca_similarity(compute_coefs=True, compute_dirns=False); acts are neurons x datapoints."""
    numx, numy = acts1.shape[0], acts2.shape[0]
    cov = np.cov(acts1, acts2)  # (N-1)-normalised, all neurons
    sxx, sxy, syy = cov[:numx, :numx], cov[:numx, numx:], cov[numx:, numx:]
    # "rescale covariance to make cca computation more stable": by the largest |entry| of each block.
    xmax, ymax = np.max(np.abs(sxx)), np.max(np.abs(syy))
    sxx, syy, sxy = sxx / xmax, syy / ymax, sxy / np.sqrt(xmax * ymax)
    # remove_small: keep neurons whose rescaled variance is >= epsilon (so epsilon = 0 keeps every neuron).
    x_idxs = np.abs(np.diagonal(sxx)) >= epsilon
    y_idxs = np.abs(np.diagonal(syy)) >= epsilon
    sxx, sxy, syy = sxx[x_idxs][:, x_idxs], sxy[x_idxs][:, y_idxs], syy[y_idxs][:, y_idxs]
    # compute_ccas: ridge epsilon * I on the rescaled, cropped variances (not on the cross block).
    sxx = sxx + epsilon * np.eye(sxx.shape[0])
    syy = syy + epsilon * np.eye(syy.shape[0])
    arr = np.dot(inverse_sqrt(sxx, exact), np.dot(sxy, inverse_sqrt(syy, exact)))
    u, s, v = np.linalg.svd(arr)  # full_matrices: u is numx' x numx', v (numpy's vh) numy' x numy'
    return {
        'coef_x': flip_rows(u.T), 'coef_y': flip_rows(v), 'cca_coef1': np.abs(s), 'cca_coef2': np.abs(s),
        'x_idxs': x_idxs, 'y_idxs': y_idxs,
        'neuron_means1': np.mean(acts1, axis=1, keepdims=True),
        'neuron_means2': np.mean(acts2, axis=1, keepdims=True),
    }


def compute_pwcca(acts1, acts2, epsilon, exact):
    """pwcca.compute_pwcca (PR #9): directions u^T (Z - m) + m in neuron coordinates (no whitening; the i-th
    direction gets the mean of the i-th kept neuron), QR, weights against the *uncentred* kept neurons."""
    r = get_cca_similarity(acts1, acts2, epsilon, exact)
    if np.sum(r['x_idxs']) <= np.sum(r['y_idxs']):
        idxs, acts, coef, means, coefs, side = r['x_idxs'], acts1, r['coef_x'], r['neuron_means1'], r['cca_coef1'], 'A'
    else:
        idxs, acts, coef, means, coefs, side = r['y_idxs'], acts2, r['coef_y'], r['neuron_means2'], r['cca_coef2'], 'B'
    dirns = np.dot(coef, acts[idxs] - means[idxs]) + means[idxs]
    p, _ = np.linalg.qr(dirns.T)
    weights = np.sum(np.abs(np.dot(p.T, acts[idxs].T)), axis=1)
    weights = weights / np.sum(weights)
    return {
        'value': float(np.sum(weights * coefs)), 'weights': weights.tolist(), 'rho': coefs.tolist(), 'side': side,
        'live1': int(np.sum(r['x_idxs'])), 'live2': int(np.sum(r['y_idxs'])),
    }


def run(a, b, epsilon):
    try:
        out = compute_pwcca(a.T, b.T, epsilon, exact=False)
        if np.isfinite(out['value']):
            return {**out, 'numpy': 'ok'}
        failure = 'NaN'
    except np.linalg.LinAlgError as e:
        failure = f'LinAlgError: {e}'
    return {**compute_pwcca(a.T, b.T, epsilon, exact=True), 'numpy': failure}


def main():
    out = {
        'about': 'google/svcca compute_pwcca (cca_core.py 08f8935, pwcca.py 766f206 = PR #9) re-implemented in '
                 'numpy by test/reference/google_pwcca_reference.py, with our svd_flip sign rule; "numpy" says '
                 'whether google\'s steps ran as written or gave NaN (then: exact-arithmetic square root).',
        'numpyVersion': np.__version__,
        'n': N,
        'cases': {},
    }
    for name, (a, b) in cases().items():
        out['cases'][name] = {
            'shape': [list(a.shape), list(b.shape)],
            'checksum': {'sumA': float(np.sum(a)), 'sumB': float(np.sum(b)),
                         'zerosA': int(np.sum(a == 0)), 'zerosB': int(np.sum(b == 0))},
            'results': [{'epsilon': eps, **run(a, b, eps)} for eps in EPSILONS],
        }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'google_pwcca_degenerate.json')
    with open(path, 'w') as f:
        json.dump(out, f, indent=1)
        f.write('\n')
    for name, c in out['cases'].items():
        for r in c['results']:
            print(f"{name:13s} eps={r['epsilon']:<6g} side {r['side']} live {r['live1']}/{r['live2']} "
                  f"value {r['value']:.12f} ({r['numpy']})")


if __name__ == '__main__':
    main()
