import type { Rng } from '@transfusion/random';

/**
 * A small float raster (values 0..1, HWC) with anti-aliased shape primitives, used by the synthetic
 * generators. Each primitive only touches its bounding box, so thousands of images take seconds.
 */
export type Paint = readonly number[] | ((x: number, y: number, out: Float32Array) => void);

export class Raster {
  readonly data: Float32Array;
  private readonly tmp: Float32Array;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly channels: number,
  ) {
    this.data = new Float32Array(width * height * channels);
    this.tmp = new Float32Array(channels);
  }

  fill(paint: Paint): void {
    for (let y = 0; y < this.height; y++) for (let x = 0; x < this.width; x++) this.put(x, y, paint, 1);
  }

  /** Blends paint into pixel (x, y) with weight a in [0, 1]. */
  put(x: number, y: number, paint: Paint, a: number): void {
    if (a <= 0) return;
    const c = this.channels;
    const o = (y * this.width + x) * c;
    let col: ArrayLike<number>;
    if (typeof paint === 'function') {
      paint(x + 0.5, y + 0.5, this.tmp);
      col = this.tmp;
    } else col = paint;
    const d = this.data;
    if (a >= 1) for (let k = 0; k < c; k++) d[o + k] = col[k]!;
    else for (let k = 0; k < c; k++) d[o + k] = d[o + k]! + (col[k]! - d[o + k]!) * a;
  }

  /** Calls cover(px, py) for every pixel centre in the box; cover returns a weight 0..1. */
  private region(
    x0: number,
    y0: number,
    x1: number,
    y1: number,
    paint: Paint,
    alpha: number,
    cover: (px: number, py: number) => number,
  ): void {
    const xa = Math.max(0, Math.floor(x0));
    const ya = Math.max(0, Math.floor(y0));
    const xb = Math.min(this.width - 1, Math.ceil(x1));
    const yb = Math.min(this.height - 1, Math.ceil(y1));
    for (let y = ya; y <= yb; y++) {
      const py = y + 0.5;
      for (let x = xa; x <= xb; x++) {
        const w = cover(x + 0.5, py);
        if (w > 0) this.put(x, y, paint, w * alpha);
      }
    }
  }

  /** Filled disc with a soft edge `soft` pixels wide. */
  disc(cx: number, cy: number, r: number, paint: Paint, alpha = 1, soft = 1): void {
    const m = r + soft;
    this.region(cx - m, cy - m, cx + m, cy + m, paint, alpha, (px, py) => edge(r - Math.hypot(px - cx, py - cy), soft));
  }

  /** Rotated filled ellipse (angle in radians). */
  ellipse(cx: number, cy: number, rx: number, ry: number, angle: number, paint: Paint, alpha = 1, soft = 1): void {
    const m = Math.max(rx, ry) + soft;
    const cs = Math.cos(angle);
    const sn = Math.sin(angle);
    const rmin = Math.max(0.5, Math.min(rx, ry));
    this.region(cx - m, cy - m, cx + m, cy + m, paint, alpha, (px, py) => {
      const dx = px - cx;
      const dy = py - cy;
      const u = (dx * cs + dy * sn) / rx;
      const v = (-dx * sn + dy * cs) / ry;
      return edge((1 - Math.sqrt(u * u + v * v)) * rmin, soft);
    });
  }

  /** Thick line segment with round caps (a capsule). */
  segment(x0: number, y0: number, x1: number, y1: number, width: number, paint: Paint, alpha = 1, soft = 0.8): void {
    const r = width / 2;
    const m = r + soft;
    const vx = x1 - x0;
    const vy = y1 - y0;
    const len2 = vx * vx + vy * vy || 1e-9;
    this.region(
      Math.min(x0, x1) - m,
      Math.min(y0, y1) - m,
      Math.max(x0, x1) + m,
      Math.max(y0, y1) + m,
      paint,
      alpha,
      (px, py) => {
        const t = Math.max(0, Math.min(1, ((px - x0) * vx + (py - y0) * vy) / len2));
        return edge(r - Math.hypot(px - x0 - t * vx, py - y0 - t * vy), soft);
      },
    );
  }

  /** Gaussian blob: weight exp(-d²/2σ²), cut at 3σ. */
  blob(cx: number, cy: number, sigma: number, paint: Paint, alpha = 1): void {
    const m = 3 * sigma;
    const k = 1 / (2 * sigma * sigma);
    this.region(cx - m, cy - m, cx + m, cy + m, paint, alpha, (px, py) => {
      const dx = px - cx;
      const dy = py - cy;
      return Math.exp(-(dx * dx + dy * dy) * k);
    });
  }

  /** Filled simple polygon (even-odd rule) with a soft edge. */
  polygon(points: readonly (readonly [number, number])[], paint: Paint, alpha = 1, soft = 1): void {
    let x0 = Infinity,
      y0 = Infinity,
      x1 = -Infinity,
      y1 = -Infinity;
    for (const [x, y] of points) {
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
    const n = points.length;
    this.region(x0 - soft, y0 - soft, x1 + soft, y1 + soft, paint, alpha, (px, py) => {
      let inside = false;
      let best = Infinity;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const [xi, yi] = points[i]!;
        const [xj, yj] = points[j]!;
        if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
        const vx = xj - xi,
          vy = yj - yi;
        const t = Math.max(0, Math.min(1, ((px - xi) * vx + (py - yi) * vy) / (vx * vx + vy * vy || 1e-9)));
        best = Math.min(best, Math.hypot(px - xi - t * vx, py - yi - t * vy));
      }
      return edge(inside ? best : -best, soft);
    });
  }

  /**
   * Adds iid Gaussian noise (same draw on all channels when `mono`). Draws come from a table of 4096
   * normal quantiles indexed by one uniform each: a third of the cost of Box–Muller, plenty for pixel noise.
   */
  noise(rng: Rng, sigma: number, mono = false): void {
    if (sigma <= 0) return;
    const c = this.channels;
    const d = this.data;
    const q = NORMAL_QUANTILES;
    for (let i = 0; i < d.length; i += c) {
      if (mono) {
        const e = sigma * q[(rng.next() * 4096) | 0]!;
        for (let k = 0; k < c; k++) d[i + k] = d[i + k]! + e;
      } else for (let k = 0; k < c; k++) d[i + k] = d[i + k]! + sigma * q[(rng.next() * 4096) | 0]!;
    }
  }

  /** Separable box blur of the given radius, repeated `passes` times (≈ Gaussian for passes ≥ 2). */
  blur(radius: number, passes = 2): void {
    const r = Math.round(radius);
    if (r < 1) return;
    const { width: w, height: h, channels: c } = this;
    const line = new Float32Array(Math.max(w, h) * c);
    const pass = (len: number, count: number, stride: number, step: number): void => {
      for (let l = 0; l < count; l++) {
        const base = l * step;
        for (let i = 0; i < len; i++) for (let k = 0; k < c; k++) line[i * c + k] = this.data[base + i * stride + k]!;
        for (let k = 0; k < c; k++) {
          let acc = 0;
          for (let i = -r; i <= r; i++) acc += line[clampIndex(i, len) * c + k]!;
          for (let i = 0; i < len; i++) {
            this.data[base + i * stride + k] = acc / (2 * r + 1);
            acc += line[clampIndex(i + r + 1, len) * c + k]! - line[clampIndex(i - r, len) * c + k]!;
          }
        }
      }
    };
    for (let p = 0; p < passes; p++) {
      pass(w, h, c, w * c); // rows
      pass(h, w, w * c, c); // columns
    }
  }

  /** Writes the raster as uint8 (clamped) into `out` at `offset`. */
  toUint8(out: Uint8Array, offset = 0): void {
    const d = this.data;
    for (let i = 0; i < d.length; i++) {
      const v = d[i]! * 255 + 0.5;
      out[offset + i] = v <= 0 ? 0 : Math.min(v, 255);
    }
  }
}

function clampIndex(i: number, len: number): number {
  return i < 0 ? 0 : i >= len ? len - 1 : i;
}

/** Coverage of a pixel whose signed distance inside the shape is `d`, with an edge `soft` wide. */
function edge(d: number, soft: number): number {
  const v = d / soft + 0.5;
  return v <= 0 ? 0 : Math.min(v, 1);
}

/** Standard normal quantiles at (i + 0.5) / 4096 (Acklam's rational approximation, |error| < 1.2e-9). */
const NORMAL_QUANTILES: Float64Array = (() => {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const inv = (p: number): number => {
    if (p < 0.02425) {
      const q = Math.sqrt(-2 * Math.log(p));
      return (
        (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
        ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
      );
    }
    if (p > 1 - 0.02425) return -inv(1 - p);
    const q = p - 0.5;
    const r = q * q;
    return (
      ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
    );
  };
  return Float64Array.from({ length: 4096 }, (_, i) => inv((i + 0.5) / 4096));
})();
