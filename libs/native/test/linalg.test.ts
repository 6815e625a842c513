import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { NativeError } from '../src/errors.js';
import {
  linalgFrom,
  linalgUnavailableMessage,
  loadLinalg,
  noticeLinalgUnavailable,
  WANT_XX,
  WANT_XY,
  WANT_YY,
  type Linalg,
} from '../src/linalg.js';
import { nativeExpected } from './expected.js';

const script = fileURLToPath(new URL('../scripts/build-native.mjs', import.meta.url));

/** OpenBLAS as build-native looks for it (Debian multiarch paths): where it is, the linear algebra must load. */
function openBlasInstalled(): boolean {
  const inc = [
    '/usr/include/x86_64-linux-gnu',
    '/usr/include/aarch64-linux-gnu',
    '/usr/include',
    '/usr/include/openblas',
    '/usr/local/include',
  ];
  const lib = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib', '/usr/lib64', '/usr/local/lib'];
  return (
    inc.some((d) => existsSync(join(d, 'cblas.h')) && existsSync(join(d, 'openblas_config.h'))) &&
    lib.some((d) => existsSync(join(d, 'libopenblas.so')))
  );
}

const load = loadLinalg({});
const la = load.available ? load : undefined;

/** Deterministic values in [-0.5, 0.5) (xorshift32). */
function random(n: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  return Float64Array.from({ length: n }, () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32 - 0.5;
  });
}

/** Row-major op(A)·op(B) by the definition. */
function naiveGemm(
  a: Float64Array,
  b: Float64Array,
  m: number,
  n: number,
  k: number,
  ta: boolean,
  tb: boolean,
): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += (ta ? a[l * m + i]! : a[i * k + l]!) * (tb ? b[j * k + l]! : b[l * n + j]!);
      c[i * n + j] = s;
    }
  }
  return c;
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  }
  return diff / (scale || 1);
}

function symmetric(n: number, seed: number): Float64Array {
  const r = random(n * n, seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = r[i * n + j]! + r[j * n + i]!;
  return a;
}

describe('loadLinalg', () => {
  it('loads wherever OpenBLAS and the addon toolchain are installed (CI installs them), so native tests cannot skip silently', () => {
    const e = nativeExpected();
    if (e.toolchain && openBlasInstalled()) {
      expect(e.status).toMatchObject({ ok: true, blas: { ok: true } });
      expect(load).toMatchObject({ available: true });
    }
    if (load.available) {
      expect(load.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(process.env['OPENBLAS_THREAD_TIMEOUT']).toBeDefined(); // set before libopenblas was loaded (4 unless the user chose)
    } else expect(load.reason.length).toBeGreaterThan(0);
  });

  it('TRANSFUSION_NATIVE=0 disables it with a reason', () => {
    expect(loadLinalg({ TRANSFUSION_NATIVE: '0' })).toEqual({
      available: false,
      reason: 'disabled by TRANSFUSION_NATIVE=0',
    });
    expect(() => loadLinalg({ TRANSFUSION_NATIVE: 'on' })).toThrow('TRANSFUSION_NATIVE=on: expected 0, 1 or auto');
  });

  describe('an addon without linear algebra (built without OpenBLAS)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'linalg-status-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('reports the reason build-native recorded', () => {
      const status = join(dir, 'native-status.json');
      writeFileSync(
        status,
        JSON.stringify({
          ok: true,
          dnnlVersion: '2.6.3',
          blas: { ok: false, reason: 'OpenBLAS headers not found (cblas.h)' },
        }),
      );
      expect(linalgFrom({ available: true, addon: { info: () => ({}) } }, status)).toEqual({
        available: false,
        reason: 'OpenBLAS headers not found (cblas.h)',
      });
    });

    it('says how to get it when the status file has no reason', () => {
      const r = linalgFrom({ available: true, addon: {} }, join(dir, 'missing.json'));
      expect(r).toEqual({ available: false, reason: expect.stringContaining('built without OpenBLAS') });
    });

    it('passes on why there is no addon at all', () => {
      expect(linalgFrom({ available: false, reason: 'oneDNN headers not found' })).toEqual({
        available: false,
        reason: 'oneDNN headers not found',
      });
    });

    it('names an unreadable status file', () => {
      const status = join(dir, 'broken.json');
      writeFileSync(status, '{');
      const r = linalgFrom({ available: true, addon: {} }, status);
      expect(r.available ? '' : r.reason).toContain(`${status}: unreadable build status`);
    });
  });

  it('prints the notice once per process', () => {
    const lines: string[] = [];
    expect(linalgUnavailableMessage('x')).toBe('native linear algebra unavailable: x');
    noticeLinalgUnavailable('no OpenBLAS', (s) => lines.push(s));
    noticeLinalgUnavailable('no OpenBLAS', (s) => lines.push(s));
    expect(lines).toEqual(['native linear algebra unavailable: no OpenBLAS; using the TypeScript path\n']);
  });

  it('build-native --check-blas reports OpenBLAS or why not', () => {
    const off = execFileSync(process.execPath, [script, '--check-blas'], {
      env: { ...process.env, TRANSFUSION_BLAS: '0' },
      encoding: 'utf8',
    });
    expect(off).toBe('native linear algebra unavailable: disabled by TRANSFUSION_BLAS=0 at build time\n');
    const out = execFileSync(process.execPath, [script, '--check-blas'], { encoding: 'utf8' });
    if (openBlasInstalled()) expect(out).toMatch(/^OpenBLAS \d+\.\d+\.\d+ found\n$/);
    else
      expect(out).toMatch(
        /^native linear algebra unavailable: OpenBLAS headers not found|^native linear algebra unavailable: libopenblas\.so not found/,
      );
  });
});

describe.skipIf(la === undefined)('native linear algebra (OpenBLAS)', () => {
  const L = la as Linalg;

  it('gemm matches the definition for every transpose combination (relative 1e-12)', () => {
    const [m, n, k] = [7, 5, 9];
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const a = random(m * k, 1);
        const b = random(k * n, 2);
        const c = L.gemm(a, b, { m, n, k, transA, transB });
        expect(maxRelDiff(c, naiveGemm(a, b, m, n, k, transA, transB))).toBeLessThan(1e-12);
      }
    }
  });

  it('gemm accumulates with alpha and beta, and k = 0 applies beta', () => {
    const a = random(6, 3);
    const b = random(6, 4);
    const c = new Float64Array(4).fill(1);
    L.addon.gemm(false, false, 2, 2, 3, 2, a, b, 0.5, c);
    const ref = naiveGemm(a, b, 2, 2, 3, false, false).map((v) => 2 * v + 0.5);
    expect(maxRelDiff(c, ref)).toBeLessThan(1e-12);
    const z = new Float64Array(4).fill(3);
    L.addon.gemm(false, false, 2, 2, 0, 1, new Float64Array(0), new Float64Array(0), 0, z);
    expect(Array.from(z)).toEqual([0, 0, 0, 0]);
  });

  it('gram = AᵀA with both triangles filled; syrk without trans gives AAᵀ', () => {
    const a = random(11 * 6, 5);
    expect(maxRelDiff(L.gram(a, 11, 6), naiveGemm(a, a, 6, 6, 11, true, false))).toBeLessThan(1e-12);
    const c = new Float64Array(11 * 11);
    L.addon.syrk(false, 11, 6, 1, a, 0, c);
    expect(maxRelDiff(c, naiveGemm(a, a, 11, 11, 6, false, true))).toBeLessThan(1e-12);
  });

  it('comoments: centred Grams and CKA row-norm sums over several row blocks, float32 and float64 input', () => {
    // 2500 rows span three 1024-row blocks; large offsets check that centring happens before the products.
    const [n, p, q] = [2500, 5, 3];
    const x = random(n * p, 7).map((v, i) => v + 1000 * (i % p));
    const y = random(n * q, 8).map((v, i) => v * (1 + (i % q)) - 50);
    for (const [xs, ys, tol] of [
      [x, y, 1e-12],
      [Float32Array.from(x), Float32Array.from(y), 1e-12],
    ] as const) {
      const xd = Float64Array.from(xs);
      const yd = Float64Array.from(ys);
      const mx = new Float64Array(p);
      const my = new Float64Array(q);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < p; j++) mx[j]! += xd[i * p + j]! / n;
        for (let j = 0; j < q; j++) my[j]! += yd[i * q + j]! / n;
      }
      const xc = xd.map((v, i) => v - mx[i % p]!);
      const yc = yd.map((v, i) => v - my[i % q]!);
      const a = Float64Array.from({ length: n }, (_, i) =>
        xc.subarray(i * p, i * p + p).reduce((s, v) => s + v * v, 0),
      );
      const b = Float64Array.from({ length: n }, (_, i) =>
        yc.subarray(i * q, i * q + q).reduce((s, v) => s + v * v, 0),
      );
      const r = L.comoments(xs, n, p, ys, q, WANT_XX | WANT_YY | WANT_XY);
      expect(maxRelDiff(r.meanX, mx)).toBeLessThan(1e-13);
      expect(maxRelDiff(r.meanY, my)).toBeLessThan(1e-13);
      expect(maxRelDiff(r.sxx!, naiveGemm(xc, xc, p, p, n, true, false))).toBeLessThan(tol);
      expect(maxRelDiff(r.syy!, naiveGemm(yc, yc, q, q, n, true, false))).toBeLessThan(tol);
      expect(maxRelDiff(r.sxy!, naiveGemm(xc, yc, p, q, n, true, false))).toBeLessThan(tol);
      // Σ a_i u_i cancels (Σ u_i = 0): compare against the size of its terms, Σ |a_i u_i|. With neuron means up to
      // 4000, the rounding of the mean itself (≈ 1e-11 after 2500 additions) shifts every u_i and dominates.
      const rowSums = (got: Float64Array, c: Float64Array, w: Float64Array, d: number) => {
        const ref = naiveGemm(c, w, d, 1, n, true, false);
        const size = naiveGemm(c.map(Math.abs), w, d, 1, n, true, false);
        return Math.max(...Array.from(got, (v, j) => Math.abs(v - ref[j]!) / size[j]!));
      };
      for (const [got, c, w, d] of [
        [r.au, xc, a, p],
        [r.bu, xc, b, p],
        [r.av, yc, a, q],
        [r.bv, yc, b, q],
      ] as const) {
        expect(rowSums(got, c, w, d)).toBeLessThan(1e-10);
      }
      const sum = (v: Float64Array) => v.reduce((s, t) => s + t, 0);
      expect(r.sumA).toBeCloseTo(sum(a), 6);
      expect(r.sumB).toBeCloseTo(sum(b), 6);
      expect(
        maxRelDiff(
          [r.sumAA, r.sumBB, r.sumAB],
          [sum(a.map((v) => v * v)), sum(b.map((v) => v * v)), sum(a.map((v, i) => v * b[i]!))],
        ),
      ).toBeLessThan(1e-12);
    }
  });

  it('comoments computes only the requested blocks, and works without y', () => {
    const x = random(40 * 4, 9);
    const r = L.comoments(x, 40, 4, null, 0, WANT_XX);
    expect(r.syy).toBeNull();
    expect(r.sxy).toBeNull();
    expect(r.meanY.length).toBe(0);
    expect(r.sumB).toBe(0);
    const both = L.comoments(x, 40, 4, x, 4, WANT_XY);
    expect(both.sxx).toBeNull();
    expect(maxRelDiff(both.sxy!, r.sxx!)).toBeLessThan(1e-13);
  });

  it('eigh: descending values, orthonormal eigenvector rows, A·v = λ·v; values-only agrees', () => {
    const n = 40;
    const a = symmetric(n, 11);
    const copy = Float64Array.from(a);
    const { values, vectors } = L.eigh(a, n);
    expect(Array.from(a)).toEqual(Array.from(copy)); // input untouched
    for (let k = 1; k < n; k++) expect(values[k]!).toBeLessThanOrEqual(values[k - 1]!);
    const av = naiveGemm(a, vectors, n, n, n, false, true); // column k = A·v_k
    let residual = 0;
    for (let i = 0; i < n; i++)
      for (let k = 0; k < n; k++)
        residual = Math.max(residual, Math.abs(av[i * n + k]! - values[k]! * vectors[k * n + i]!));
    expect(residual).toBeLessThan(1e-12 * Math.abs(values[0]!) * n);
    const gram = naiveGemm(vectors, vectors, n, n, n, false, true);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(gram[i * n + j]!).toBeCloseTo(i === j ? 1 : 0, 12);
    const only = L.eigh(a, n, false);
    expect(only.vectors.length).toBe(0);
    expect(maxRelDiff(only.values, values)).toBeLessThan(1e-12);
  });

  it('eigh of a known matrix: [[2,1],[1,2]] has 3 and 1 with (1,1)/√2 and (1,−1)/√2', () => {
    const { values, vectors } = L.eigh(Float64Array.of(2, 1, 1, 2), 2);
    expect(values[0]).toBeCloseTo(3, 14);
    expect(values[1]).toBeCloseTo(1, 14);
    expect(Math.abs(vectors[0]!)).toBeCloseTo(Math.SQRT1_2, 14);
    expect(vectors[0]! * vectors[1]!).toBeCloseTo(0.5, 14);
    expect(vectors[2]! * vectors[3]!).toBeCloseTo(-0.5, 14);
  });

  it('svd reconstructs wide and tall matrices, values descending; values-only agrees', () => {
    for (const [m, n] of [
      [6, 9],
      [9, 6],
      [5, 5],
    ] as const) {
      const a = random(m * n, m * 31 + n);
      const { s, u, vt } = L.svd(a, m, n);
      const k = Math.min(m, n);
      for (let i = 1; i < k; i++) expect(s[i]!).toBeLessThanOrEqual(s[i - 1]!);
      const us = u.map((v, i) => v * s[i % k]!);
      expect(maxRelDiff(naiveGemm(us, vt, m, n, k, false, false), a)).toBeLessThan(1e-13);
      expect(maxRelDiff(L.svd(a, m, n, false).s, s)).toBeLessThan(1e-13);
    }
  });

  it('cholesky: L·Lᵀ = A with a zero upper triangle; null when not positive definite', () => {
    const n = 8;
    const r = random(n * n, 13);
    const a = naiveGemm(r, r, n, n, n, false, true);
    for (let i = 0; i < n; i++) a[i * n + i]! += 1;
    const l = L.cholesky(a, n)!;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(l[i * n + j]).toBe(0);
    expect(maxRelDiff(naiveGemm(l, l, n, n, n, false, true), a)).toBeLessThan(1e-13);
    expect(L.cholesky(Float64Array.of(1, 2, 2, 1), 2)).toBeNull();
  });

  it('threads follow setThreads', () => {
    L.setThreads(1);
    expect(L.info().threads).toBe(1);
    L.setThreads(2);
    expect(L.info().threads).toBe(2);
    expect(() => L.setThreads(0)).toThrow('threads: expected an integer from 1 to 256, got 0');
    expect(L.info().config).toContain('OpenBLAS');
  });

  it('the TypeScript wrappers reject bad arguments with NativeError', () => {
    expect(() => L.gemm(new Float64Array(5), new Float64Array(6), { m: 2, n: 2, k: 3 })).toThrow(
      'a: expected 6 elements, got 5',
    );
    expect(() => L.gemm(new Float64Array(6), new Float64Array(6), { m: 2, n: 2, k: -3 })).toThrow(NativeError);
    expect(() => L.gemm(new Float64Array(6), new Float64Array(6), { m: 2, n: 2, k: 3, extra: 1 } as never)).toThrow(
      'gemm shape',
    );
    expect(() => L.gram(new Float32Array(4) as never, 2, 2)).toThrow('a: expected a Float64Array');
    expect(() => L.eigh(new Float64Array(3), 2)).toThrow('a: expected 4 elements, got 3');
    expect(() => L.svd(new Float64Array(6), 2.5, 2)).toThrow('m: expected an integer from 0 to 2^31-1, got 2.5');
    expect(() => L.comoments(new Float64Array(6), 3, 2, null, 0, WANT_XY)).toThrow(
      'want: YᵀY or XᵀY requested without y',
    );
    expect(() => L.comoments(new Float64Array(6), 3, 2, new Float64Array(5), 2, WANT_XY)).toThrow(
      'y: expected 6 elements, got 5',
    );
    expect(() => L.comoments(new Float64Array(0), 0, 2, null, 0, WANT_XX)).toThrow('rows: expected an integer from 1');
    expect(() => L.comoments(new Int32Array(6) as never, 3, 2, null, 0, WANT_XX)).toThrow(
      'x: expected a Float32Array or Float64Array',
    );
  });

  it('the C++ side checks every length itself (no out-of-bounds access from unchecked callers)', () => {
    const A = L.addon;
    expect(() =>
      A.gemm(false, false, 2, 2, 3, 1, new Float64Array(6), new Float64Array(6), 0, new Float64Array(3)),
    ).toThrow(RangeError);
    expect(() =>
      A.gemm(false, false, 2, 2, 3, 1, new Float64Array(6), new Float64Array(6), 0, new Float64Array(3)),
    ).toThrow('c: expected 4 elements, got 3');
    expect(() =>
      A.gemm(false, false, 2, 2, 3, 1, new Float64Array(6), new Float32Array(6) as never, 0, new Float64Array(4)),
    ).toThrow('b: expected a Float64Array');
    expect(() => A.syrk(true, 3, 2, 1, new Float64Array(6), 0, new Float64Array(8))).toThrow(
      'c: expected 9 elements, got 8',
    );
    expect(() => A.syevd(new Float64Array(4), 2, new Float64Array(2), new Float64Array(3))).toThrow(
      'vectors: expected 4 elements, got 3',
    );
    expect(() => A.syevd(new Float64Array(4), -2, new Float64Array(2), null)).toThrow('n: expected an integer from 0');
    expect(() => A.gesdd(new Float64Array(6), 2, 3, new Float64Array(2), new Float64Array(4), null)).toThrow(
      'u, vt: pass both',
    );
    expect(() => A.gesdd(new Float64Array(6), 2, 3, new Float64Array(3), null, null)).toThrow(
      's: expected 2 elements, got 3',
    );
    expect(() => A.potrf(new Float64Array(4), 2 ** 40)).toThrow(RangeError);
    const out = {
      meanX: new Float64Array(2),
      meanY: new Float64Array(0),
      sxx: new Float64Array(3),
      syy: null,
      sxy: null,
      au: new Float64Array(2),
      bu: new Float64Array(2),
      av: new Float64Array(0),
      bv: new Float64Array(0),
    };
    expect(() => A.comoments(new Float64Array(6), 3, 2, null, 0, WANT_XX, out)).toThrow(
      'out.sxx: expected 4 elements, got 3',
    );
    expect(() => A.comoments(new Float64Array(6), 3, 2, null, 0, 8, out)).toThrow('want: expected bit flags');
    expect(() => A.comoments(new Float64Array(6), 3, 2, null, 0, WANT_XX, null as never)).toThrow(
      'out: expected an object',
    );
    expect(() => A.setBlasThreads(0)).toThrow('threads: expected an integer from 1');
  });
});
