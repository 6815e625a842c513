import sharp from 'sharp';
import type { OverlayOptions } from 'sharp';

export interface SheetTile {
  /** HWC uint8 pixels, 1 or 3 channels. */
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: number;
  caption: string;
}

export interface SheetOptions {
  columns?: number;
  /** Side of each tile in the sheet (images are scaled to fit). */
  tile?: number;
}

/** Renders tiles with captions into one PNG (a contact sheet for `transfusion data preview`). */
export async function renderContactSheet(tiles: readonly SheetTile[], options: SheetOptions = {}): Promise<Buffer> {
  if (tiles.length === 0) throw new RangeError('renderContactSheet: no tiles');
  const columns = Math.max(1, Math.min(options.columns ?? 8, tiles.length));
  const tile = options.tile ?? 128;
  const captionH = 28;
  const rows = Math.ceil(tiles.length / columns);
  const width = columns * tile;
  const height = rows * (tile + captionH);
  const composites: OverlayOptions[] = [];
  for (let i = 0; i < tiles.length; i++) {
    const t = tiles[i]!;
    const img = await sharp(Buffer.from(t.pixels.buffer, t.pixels.byteOffset, t.pixels.byteLength), {
      raw: { width: t.width, height: t.height, channels: t.channels as 1 | 3 },
    })
      .resize(tile, tile, {
        fit: 'contain',
        background: { r: 0, g: 0, b: 0 },
        kernel: t.width < tile ? 'nearest' : 'lanczos3',
      })
      .toColourspace('srgb')
      .png()
      .toBuffer();
    const x = (i % columns) * tile;
    const y = Math.floor(i / columns) * (tile + captionH);
    composites.push({ input: img, left: x, top: y });
  }
  const texts = tiles
    .map((t, i) => {
      const x = (i % columns) * tile + 3;
      const y = Math.floor(i / columns) * (tile + captionH) + tile + 11;
      const lines = wrap(t.caption, Math.floor(tile / 6.2));
      return lines
        .slice(0, 2)
        .map(
          (l, j) =>
            `<text x="${x}" y="${y + j * 12}" font-family="DejaVu Sans, sans-serif" font-size="10" fill="#111">${escapeXml(l)}</text>`,
        )
        .join('');
    })
    .join('');
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${texts}</svg>`);
  composites.push({ input: svg, left: 0, top: 0 });
  return sharp({ create: { width, height, channels: 3, background: { r: 255, g: 255, b: 255 } } })
    .composite(composites)
    .png()
    .toBuffer();
}

function wrap(s: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += n) out.push(s.slice(i, i + n));
  return out.length ? out : [''];
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}
