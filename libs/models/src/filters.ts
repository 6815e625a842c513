import { z } from 'zod';
import { ModelsError } from './errors.js';
import { parseOptions } from './options.js';
import type { WeightMap } from './weights.js';

/** An 8-bit image, rows of pixels with interleaved channels (HWC). */
export interface FilterImage {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

export const filterOptionsSchema = z
  .object({
    /** Weight name of the kernel; default: the first 4-d kernel in the map's order (conv1). */
    kernel: z.string().min(1).optional(),
    /**
     * 'shared' (default): one symmetric scale for all filters, zero at mid-grey, so filters compare in
     * strength (and across models or training steps when `range` is given); 'per-filter': each stretched to 0–255.
     */
    scale: z.enum(['shared', 'per-filter']).default('shared'),
    /** Absolute value mapped to the extremes with 'shared' scaling; default: the kernel's largest |w|. */
    range: z.number().positive().optional(),
  })
  .strict();
export type FilterOptions = z.input<typeof filterOptionsSchema>;

/**
 * First-layer kernels as images (paper Fig. 5): one image per output channel, RGB for 3 input channels,
 * grey (mean over channels) otherwise.
 */
export function extractFilters(weights: WeightMap, options: FilterOptions = {}): FilterImage[] {
  const o = parseOptions(filterOptionsSchema, options, 'extractFilters');
  const name = o.kernel ?? Object.keys(weights).find((k) => weights[k]!.shape.length === 4 && k.endsWith('/kernel'));
  const k = name === undefined ? undefined : weights[name];
  if (!k || !name) {
    throw new ModelsError(
      'BAD_OPTIONS',
      o.kernel ? `extractFilters: no weight '${o.kernel}'` : 'extractFilters: the weights contain no conv kernel',
    );
  }
  if (k.shape.length !== 4)
    throw new ModelsError(
      'BAD_OPTIONS',
      `extractFilters: '${name}' has shape [${k.shape.join(', ')}]; expected [h, w, in, out]`,
    );
  const [kh, kw, cin, cout] = k.shape as [number, number, number, number];
  const channels: 1 | 3 = cin === 3 ? 3 : 1;
  // value(y, x, c, o): grey images average the input channels.
  const value = (y: number, x: number, c: number, f: number): number => {
    if (channels === 3) return k.data[((y * kw + x) * cin + c) * cout + f]!;
    let s = 0;
    for (let i = 0; i < cin; i++) s += k.data[((y * kw + x) * cin + i) * cout + f]!;
    return s / cin;
  };
  let shared = o.range ?? 0;
  if (o.scale === 'shared' && o.range === undefined) {
    for (let f = 0; f < cout; f++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++)
          for (let c = 0; c < channels; c++) shared = Math.max(shared, Math.abs(value(y, x, c, f)));
  }
  const images: FilterImage[] = [];
  for (let f = 0; f < cout; f++) {
    const vals = new Float64Array(kh * kw * channels);
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let c = 0; c < channels; c++) vals[(y * kw + x) * channels + c] = value(y, x, c, f);
    let lo: number;
    let hi: number;
    if (o.scale === 'shared') {
      lo = -shared;
      hi = shared;
    } else {
      lo = Math.min(...vals);
      hi = Math.max(...vals);
    }
    const span = hi - lo;
    const data = new Uint8Array(vals.length);
    for (let i = 0; i < vals.length; i++) {
      const t = span > 0 ? (vals[i]! - lo) / span : 0.5;
      data[i] = Math.round(Math.min(1, Math.max(0, t)) * 255);
    }
    images.push({ width: kw, height: kh, channels, data });
  }
  return images;
}

export const gridOptionsSchema = z
  .object({
    columns: z.number().int().positive().optional(),
    /** Pixels between tiles. */
    padding: z.number().int().nonnegative().default(1),
    /** Grey level of the padding. */
    background: z.number().int().min(0).max(255).default(255),
    /** Integer upscaling of each filter pixel (7×7 filters are tiny on screen). */
    zoom: z.number().int().positive().default(1),
  })
  .strict();
export type GridOptions = z.input<typeof gridOptionsSchema>;

/** Tiles filter images into one mosaic (row-major), ready to encode as PNG. */
export function filterGrid(filters: FilterImage[], options: GridOptions = {}): FilterImage {
  const o = parseOptions(gridOptionsSchema, options, 'filterGrid');
  const first = filters[0];
  if (!first) throw new ModelsError('BAD_OPTIONS', 'filterGrid: no filters given');
  const bad = filters.findIndex(
    (f) => f.width !== first.width || f.height !== first.height || f.channels !== first.channels,
  );
  if (bad >= 0)
    throw new ModelsError(
      'BAD_OPTIONS',
      `filterGrid: filter ${bad} is ${filters[bad]!.width}×${filters[bad]!.height}×${filters[bad]!.channels}, filter 0 is ${first.width}×${first.height}×${first.channels}`,
    );
  const cols = o.columns ?? Math.ceil(Math.sqrt(filters.length));
  const rows = Math.ceil(filters.length / cols);
  const tw = first.width * o.zoom;
  const th = first.height * o.zoom;
  const width = cols * tw + (cols + 1) * o.padding;
  const height = rows * th + (rows + 1) * o.padding;
  const ch = first.channels;
  const data = new Uint8Array(width * height * ch).fill(o.background);
  filters.forEach((f, i) => {
    const x0 = o.padding + (i % cols) * (tw + o.padding);
    const y0 = o.padding + Math.floor(i / cols) * (th + o.padding);
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        const src = (Math.floor(y / o.zoom) * f.width + Math.floor(x / o.zoom)) * ch;
        const dst = ((y0 + y) * width + x0 + x) * ch;
        for (let c = 0; c < ch; c++) data[dst + c] = f.data[src + c]!;
      }
    }
  });
  return { width, height, channels: ch, data };
}
