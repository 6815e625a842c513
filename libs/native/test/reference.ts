// Direct (loop) definitions of the kernels, in float64, to check the addon against.
import type { ConvGeometry, PoolGeometry } from '../src/addon.js';

/** Calls f(b, i, j, p, q, xIndex, yBase, wBase) for every input tap of every output position. */
function eachTap(g: ConvGeometry, f: (xIndex: number, yBase: number, wBase: number) => void): void {
  for (let b = 0; b < g.batch; b++) {
    for (let i = 0; i < g.outHeight; i++) {
      for (let j = 0; j < g.outWidth; j++) {
        const yBase = ((b * g.outHeight + i) * g.outWidth + j) * g.outChannels;
        for (let p = 0; p < g.filterHeight; p++) {
          const r = i * g.strideHeight + p * g.dilationHeight - g.padTop;
          if (r < 0 || r >= g.inHeight) continue;
          for (let q = 0; q < g.filterWidth; q++) {
            const s = j * g.strideWidth + q * g.dilationWidth - g.padLeft;
            if (s < 0 || s >= g.inWidth) continue;
            f(
              ((b * g.inHeight + r) * g.inWidth + s) * g.inChannels,
              yBase,
              (p * g.filterWidth + q) * g.inChannels * g.outChannels,
            );
          }
        }
      }
    }
  }
}

export function convForward(
  g: ConvGeometry,
  x: Float32Array,
  w: Float32Array,
  bias?: Float32Array,
  relu = false,
): Float64Array {
  const y = new Float64Array(g.batch * g.outHeight * g.outWidth * g.outChannels);
  eachTap(g, (xi, yi, wi) => {
    for (let c = 0; c < g.inChannels; c++) {
      for (let o = 0; o < g.outChannels; o++) y[yi + o]! += x[xi + c]! * w[wi + c * g.outChannels + o]!;
    }
  });
  for (let k = 0; k < y.length; k++) {
    let v = y[k]! + (bias ? bias[k % g.outChannels]! : 0);
    if (relu) v = Math.max(0, v);
    y[k] = v;
  }
  return y;
}

export function convBackwardData(g: ConvGeometry, dy: Float32Array, w: Float32Array): Float64Array {
  const dx = new Float64Array(g.batch * g.inHeight * g.inWidth * g.inChannels);
  eachTap(g, (xi, yi, wi) => {
    for (let c = 0; c < g.inChannels; c++) {
      for (let o = 0; o < g.outChannels; o++) dx[xi + c]! += dy[yi + o]! * w[wi + c * g.outChannels + o]!;
    }
  });
  return dx;
}

export function convBackwardWeights(g: ConvGeometry, x: Float32Array, dy: Float32Array): Float64Array {
  const dw = new Float64Array(g.filterHeight * g.filterWidth * g.inChannels * g.outChannels);
  eachTap(g, (xi, yi, wi) => {
    for (let c = 0; c < g.inChannels; c++) {
      for (let o = 0; o < g.outChannels; o++) dw[wi + c * g.outChannels + o]! += x[xi + c]! * dy[yi + o]!;
    }
  });
  return dw;
}

/** dy to each window's first maximum (strict >, windows scanned row by row: the cpu backend's tie rule). */
export function maxPoolGrad(g: PoolGeometry, x: Float32Array, dy: Float32Array): Float64Array {
  const best = new Float64Array(dy.length).fill(-Infinity);
  const at = new Int32Array(dy.length).fill(-1);
  eachWindowPixel(g, (xi, yi) => {
    if (x[xi]! > best[yi]!) {
      best[yi] = x[xi]!;
      at[yi] = xi;
    }
  });
  const dx = new Float64Array(x.length);
  at.forEach((xi, yi) => {
    if (xi >= 0) dx[xi]! += dy[yi]!;
  });
  return dx;
}

/** Output size and explicit pads for 'same'/'valid'/explicit padding, as tfjs computes them. */
export function convGeometry(
  x: [number, number, number, number],
  f: [number, number, number, number],
  strides: [number, number],
  dilations: [number, number],
  pad: 'same' | 'valid' | [number, number, number, number],
): ConvGeometry {
  const [batch, inHeight, inWidth, inChannels] = x;
  const [filterHeight, filterWidth, , outChannels] = f;
  const effH = (filterHeight - 1) * dilations[0] + 1;
  const effW = (filterWidth - 1) * dilations[1] + 1;
  let pads: [number, number, number, number];
  if (pad === 'valid') pads = [0, 0, 0, 0];
  else if (pad === 'same') {
    const oh = Math.ceil(inHeight / strides[0]);
    const ow = Math.ceil(inWidth / strides[1]);
    const ph = Math.max(0, (oh - 1) * strides[0] + effH - inHeight);
    const pw = Math.max(0, (ow - 1) * strides[1] + effW - inWidth);
    pads = [Math.floor(ph / 2), Math.floor(pw / 2), ph - Math.floor(ph / 2), pw - Math.floor(pw / 2)];
  } else pads = pad;
  const [padTop, padLeft, padBottom, padRight] = pads;
  return {
    batch,
    inHeight,
    inWidth,
    inChannels,
    filterHeight,
    filterWidth,
    outChannels,
    outHeight: Math.floor((inHeight + padTop + padBottom - effH) / strides[0]) + 1,
    outWidth: Math.floor((inWidth + padLeft + padRight - effW) / strides[1]) + 1,
    strideHeight: strides[0],
    strideWidth: strides[1],
    dilationHeight: dilations[0],
    dilationWidth: dilations[1],
    padTop,
    padLeft,
    padBottom,
    padRight,
  };
}

/** Calls f(inputIndex, outputIndex) for every in-bounds pixel of every pooling window, per channel. */
function eachWindowPixel(g: PoolGeometry, f: (xi: number, yi: number) => void): void {
  for (let b = 0; b < g.batch; b++) {
    for (let i = 0; i < g.outHeight; i++) {
      for (let j = 0; j < g.outWidth; j++) {
        for (let p = 0; p < g.filterHeight; p++) {
          const r = i * g.strideHeight + p - g.padTop;
          if (r < 0 || r >= g.inHeight) continue;
          for (let q = 0; q < g.filterWidth; q++) {
            const s = j * g.strideWidth + q - g.padLeft;
            if (s < 0 || s >= g.inWidth) continue;
            for (let c = 0; c < g.channels; c++) {
              f(
                ((b * g.inHeight + r) * g.inWidth + s) * g.channels + c,
                ((b * g.outHeight + i) * g.outWidth + j) * g.channels + c,
              );
            }
          }
        }
      }
    }
  }
}

/** Maximum over the window's in-bounds pixels (-inf when there are none). */
export function maxPool(g: PoolGeometry, x: Float32Array): Float64Array {
  const y = new Float64Array(g.batch * g.outHeight * g.outWidth * g.channels).fill(-Infinity);
  eachWindowPixel(g, (xi, yi) => {
    if (x[xi]! > y[yi]!) y[yi] = x[xi]!;
  });
  return y;
}

/** Average over the window's in-bounds pixels (tfjs's forward definition). */
export function avgPool(g: PoolGeometry, x: Float32Array): Float64Array {
  const sum = new Float64Array(g.batch * g.outHeight * g.outWidth * g.channels);
  const count = new Float64Array(sum.length);
  eachWindowPixel(g, (xi, yi) => {
    sum[yi]! += x[xi]!;
    count[yi]!++;
  });
  return sum.map((v, k) => v / count[k]!);
}

/** tfjs's AvgPoolGrad: dy / (filterHeight * filterWidth) to every in-bounds window pixel. */
export function avgPoolGrad(g: PoolGeometry, dy: Float32Array): Float64Array {
  const dx = new Float64Array(g.batch * g.inHeight * g.inWidth * g.channels);
  eachWindowPixel(g, (xi, yi) => {
    dx[xi]! += dy[yi]! / (g.filterHeight * g.filterWidth);
  });
  return dx;
}
