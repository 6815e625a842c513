import sharp from 'sharp';
import { ReportError } from './errors.js';
import type { FilterSnapshot, ModelInfo, Tensor } from './schema.js';

/**
 * Fig 5: first-layer filters before and after training, random vs pretrained init, as one PNG per model.
 * Each filter is scaled by the largest |w| it has before *or* after training, so the two panels of a row share
 * a scale and a filter that barely moved looks the same in both (mid-grey = 0).
 */

/** Layout in pixels at scale 1; everything, text included, is multiplied by the PNG scale. */
interface Dims {
  cell: number; // pixels per filter side after nearest-neighbour upscaling
  gap: number;
  gridGap: number;
  labelW: number;
  headerH: number;
  rowGap: number;
  s: number;
}

function dims(scale: number): Dims {
  const s = Math.max(1, Math.round(scale));
  return { cell: 28 * s, gap: 2 * s, gridGap: 28 * s, labelW: 130 * s, headerH: 54 * s, rowGap: 18 * s, s };
}

interface Grid {
  cols: number;
  rows: number;
  width: number;
  height: number;
}

function gridLayout(filters: number, d: Dims): Grid {
  const cols = Math.min(filters, 8);
  const rows = Math.ceil(filters / cols);
  return { cols, rows, width: cols * (d.cell + d.gap) - d.gap, height: rows * (d.cell + d.gap) - d.gap };
}

/** Pixel of filter `o` at (y, x) as RGB in [-1, 1] before scaling; grey when the filter does not have 3 input channels. */
function filterRgb(t: Tensor, o: number, y: number, x: number): [number, number, number] {
  const [, kw, cin, cout] = t.shape as [number, number, number, number];
  const at = (c: number) => Number(t.data[((y * kw + x) * cin + c) * cout + o]);
  if (cin === 3) return [at(0), at(1), at(2)];
  let s = 0;
  for (let c = 0; c < cin; c++) s += at(c);
  const g = s / cin;
  return [g, g, g];
}

function filterScale(a: Tensor, b: Tensor, o: number): number {
  const [kh, kw] = a.shape as [number, number];
  let m = 0;
  for (const t of [a, b])
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++) for (const v of filterRgb(t, o, y, x)) m = Math.max(m, Math.abs(v));
  return m > 0 ? m : 1;
}

function drawGrid(
  canvas: Buffer,
  canvasWidth: number,
  left: number,
  top: number,
  t: Tensor,
  scales: number[],
  d: Dims,
): void {
  const [kh, kw, , cout] = t.shape as [number, number, number, number];
  const g = gridLayout(cout, d);
  const { cell, gap } = d;
  for (let o = 0; o < cout; o++) {
    const ox = left + (o % g.cols) * (cell + gap);
    const oy = top + Math.floor(o / g.cols) * (cell + gap);
    for (let py = 0; py < cell; py++) {
      const y = Math.min(kh - 1, Math.floor((py * kh) / cell));
      for (let px = 0; px < cell; px++) {
        const x = Math.min(kw - 1, Math.floor((px * kw) / cell));
        const rgb = filterRgb(t, o, y, x);
        const i = ((oy + py) * canvasWidth + ox + px) * 3;
        for (let c = 0; c < 3; c++)
          canvas[i + c] = Math.max(0, Math.min(255, Math.round(127.5 + 127.5 * (rgb[c]! / scales[o]!))));
      }
    }
  }
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Renders one model's filter figure; `snapshots` are that model's (at most one per init). */
export async function renderFilterFigure(model: ModelInfo, snapshots: FilterSnapshot[], scale = 2): Promise<Buffer> {
  const d = dims(scale);
  const { labelW, headerH, gridGap, rowGap, s: k } = d;
  const rowsIn = (['random', 'pretrained'] as const)
    .map((init) => snapshots.find((s) => s.init === init))
    .filter((s): s is FilterSnapshot => s !== undefined);
  if (rowsIn.length === 0) throw new ReportError(`filters of ${model.id}: no snapshot to draw`, 'render-failed');
  const grids = rowsIn.map((s) => gridLayout(s.before.shape[3]!, d));
  const gridW = Math.max(...grids.map((g) => g.width));
  const width = labelW + 2 * gridW + gridGap + 16 * k;
  const height = headerH + grids.reduce((a, g) => a + g.height + rowGap, 0) + 4 * k;
  const canvas = Buffer.alloc(width * height * 3, 255);
  const texts: string[] = [
    `<text x="${8 * k}" y="${20 * k}" font-size="${16 * k}" font-weight="bold">${esc(model.label)} — ${esc(rowsIn[0]!.layer)} filters</text>`,
    `<text x="${labelW + gridW / 2}" y="${headerH - 10 * k}" font-size="${14 * k}" text-anchor="middle">Before training</text>`,
    `<text x="${labelW + gridW + gridGap + gridW / 2}" y="${headerH - 10 * k}" font-size="${14 * k}" text-anchor="middle">After training</text>`,
  ];
  let top = headerH;
  rowsIn.forEach((s, r) => {
    const g = grids[r]!;
    const cout = s.before.shape[3]!;
    const scales = Array.from({ length: cout }, (_, o) => filterScale(s.before, s.after, o));
    drawGrid(canvas, width, labelW, top, s.before, scales, d);
    drawGrid(canvas, width, labelW + gridW + gridGap, top, s.after, scales, d);
    const mid = top + g.height / 2;
    texts.push(
      `<text x="${8 * k}" y="${mid - 4 * k}" font-size="${14 * k}">${s.init === 'random' ? 'Random init' : 'Pretrained init'}</text>`,
    );
    texts.push(
      `<text x="${8 * k}" y="${mid + 14 * k}" font-size="${11 * k}" fill="#555555">seed ${s.seed}, ${cout} filters</text>`,
    );
    top += g.height + rowGap;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif" fill="#111111">${texts.join('')}</svg>`;
  return sharp(canvas, { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png({ compressionLevel: 9 })
    .toBuffer();
}

/** Relative change of the filters, ‖after − before‖ / ‖before‖, shown in the caption (the paper's "barely move"). */
export function relativeChange(s: FilterSnapshot): number {
  let d = 0;
  let b = 0;
  for (let i = 0; i < s.before.data.length; i++) {
    const x = Number(s.before.data[i]);
    d += (Number(s.after.data[i]) - x) ** 2;
    b += x * x;
  }
  return b > 0 ? Math.sqrt(d / b) : Number.NaN;
}
