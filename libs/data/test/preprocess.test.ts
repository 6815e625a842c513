import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { DataError } from '../src/errors.js';
import {
  decodeImageFile,
  foregroundBox,
  parsePreprocessOptions,
  preprocessFile,
  preprocessRaw,
} from '../src/preprocess.js';
import { removeDir, SAMPLE, tempDir, writeTruncated } from './helpers.js';

describe('decode and preprocess', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(() => removeDir(tmp));

  it('keeps a grey radiograph 1-channel and a fundus photo RGB', async () => {
    const cxr = await decodeImageFile(SAMPLE.cxr1);
    expect([cxr.width, cxr.height, cxr.channels]).toEqual([512, 512, 1]);
    const out = await preprocessFile(SAMPLE.cxr1, parsePreprocessOptions({ size: 64 }));
    expect([out.width, out.height, out.channels, out.data.length]).toEqual([64, 64, 1, 64 * 64]);
    const rgb = await preprocessFile(SAMPLE.cxr1, parsePreprocessOptions({ size: 32, channels: 3 }));
    expect(rgb.channels).toBe(3);
    for (let i = 0; i < 32 * 32; i++) expect(rgb.data[i * 3]).toBe(rgb.data[i * 3 + 2]);
    const fundus = await decodeImageFile(SAMPLE.retina);
    expect([fundus.width, fundus.height, fundus.channels]).toEqual([1411, 1411, 3]);
  });

  it('scales 16-bit grey PNGs to 8 bits and keeps them 1-channel; drops alpha from RGBA', async () => {
    const g16 = `${tmp}/g16.png`;
    await sharp(new Uint16Array([0, 1000, 32768, 65535]), { raw: { width: 4, height: 1, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toFile(g16);
    const d = await decodeImageFile(g16);
    expect(d.channels).toBe(1);
    expect(Array.from(d.data)).toEqual([0, 4, 128, 255]); // round(v / 65535 · 255)
    const rgba = `${tmp}/rgba.png`;
    await sharp(Buffer.from([255, 0, 0, 128, 0, 255, 0, 255]), { raw: { width: 2, height: 1, channels: 4 } })
      .png()
      .toFile(rgba);
    expect(await decodeImageFile(rgba)).toMatchObject({ channels: 3, data: Uint8Array.from([255, 0, 0, 0, 255, 0]) });
  });

  it('resized pixels match sharp on the same file (mean within 1 grey level)', async () => {
    const ours = await preprocessFile(SAMPLE.cxr2, parsePreprocessOptions({ size: 32, fit: 'stretch' }));
    const ref = await sharp(SAMPLE.cxr2).resize(32, 32, { fit: 'fill' }).toColourspace('b-w').raw().toBuffer();
    const mean = (a: ArrayLike<number>): number => Array.from(a).reduce((x, y) => x + y, 0) / a.length;
    expect(Math.abs(mean(ours.data) - mean(ref))).toBeLessThan(1);
  });

  it('pads to keep the aspect ratio, or crops', async () => {
    // a 40×20 white image
    const img = { data: new Uint8Array(40 * 20).fill(255), width: 40, height: 20, channels: 1 };
    const padded = await preprocessRaw(img, parsePreprocessOptions({ size: 20, fit: 'pad' }));
    // content is 20×10 in the middle: rows 0–4 and 15–19 are padding
    expect(padded.data[0]).toBe(0);
    expect(padded.data[19 * 20 + 10]).toBe(0);
    expect(padded.data[10 * 20 + 10]).toBe(255);
    const cropped = await preprocessRaw(img, parsePreprocessOptions({ size: 20, fit: 'crop' }));
    expect(Math.min(...cropped.data)).toBe(255);
  });

  it('trims the fundus border and masks outside the circle', async () => {
    const decoded = await decodeImageFile(SAMPLE.retina);
    const box = foregroundBox(decoded, 20);
    // the retina fills most of the photo, but the dark border is cut
    expect(box.width).toBeGreaterThan(1000);
    expect(box.width).toBeLessThanOrEqual(1411);
    const out = await preprocessFile(SAMPLE.retina, parsePreprocessOptions({ size: 64, fundus: 'circle' }));
    expect(out.channels).toBe(3);
    expect([out.data[0], out.data[1], out.data[2]]).toEqual([0, 0, 0]); // corner outside the circle
    const centre = (32 * 64 + 32) * 3;
    expect(out.data[centre]).toBeGreaterThan(60); // reddish retina in the middle
    expect(out.data[centre]!).toBeGreaterThan(out.data[centre + 2]!);
  });

  it('Graham normalisation centres the retina on grey 128 and greys out the rim', async () => {
    const out = await preprocessFile(SAMPLE.retina, parsePreprocessOptions({ size: 64, fundus: 'graham' }));
    expect([out.data[0], out.data[1], out.data[2]]).toEqual([128, 128, 128]);
    let sum = 0;
    let n = 0;
    for (let y = 20; y < 44; y++)
      for (let x = 20; x < 44; x++)
        for (let k = 0; k < 3; k++) {
          sum += out.data[(y * 64 + x) * 3 + k]!;
          n++;
        }
    // local average subtracted: the inner retina averages close to 128 whatever its original colour
    expect(Math.abs(sum / n - 128)).toBeLessThan(12);
  });

  it('reads DICOM through the same path', async () => {
    const out = await preprocessFile(SAMPLE.dicom('CT_small.dcm'), parsePreprocessOptions({ size: 32 }));
    expect([out.width, out.channels]).toEqual([32, 1]);
  });

  it('rejects truncated and non-image files with DATA_BAD_IMAGE naming the file', async () => {
    const cut = await writeTruncated(tmp, 'cut.png', SAMPLE.cxr1);
    await expect(decodeImageFile(cut)).rejects.toMatchObject({ code: 'DATA_BAD_IMAGE', file: cut });
    const cutJpg = await writeTruncated(tmp, 'cut.jpg', SAMPLE.retina);
    await expect(decodeImageFile(cutJpg)).rejects.toThrow(/cut\.jpg: unreadable or truncated image/);
    await expect(decodeImageFile(`${tmp}/none.png`)).rejects.toMatchObject({ code: 'DATA_NOT_FOUND' });
    expect(() => parsePreprocessOptions({ size: 4 })).toThrow(DataError);
    expect(() => parsePreprocessOptions({ size: 64, fit: 'zoom' })).toThrow(/preprocess options: fit/);
  });
});
