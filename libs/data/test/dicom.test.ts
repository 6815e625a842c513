import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeDicom, dicomToUint8, readDicomFile } from '../src/dicom.js';
import { makeDicom, SAMPLE } from './helpers.js';

describe('DICOM', () => {
  it('decodes real MR slices identically from explicit LE and RLE files', async () => {
    const raw = await readDicomFile(SAMPLE.dicom('MR_small.dcm'));
    const rle = await readDicomFile(SAMPLE.dicom('MR_small_RLE.dcm'));
    expect([raw.width, raw.height, raw.channels, raw.photometric]).toEqual([64, 64, 1, 'MONOCHROME2']);
    expect(Array.from(rle.values)).toEqual(Array.from(raw.values));
    // min/max of pydicom's MR_small pixel_array (also what its JPEG 2000 lossless twin decodes to)
    expect(Math.min(...raw.values)).toBe(127);
    expect(Math.max(...raw.values)).toBe(2145);
    expect(raw.window).toEqual({ center: 600, width: 1600 });
  });

  it('applies rescale slope/intercept (CT_small: intercept −1024)', async () => {
    const ct = await readDicomFile(SAMPLE.dicom('CT_small.dcm'));
    expect([ct.width, ct.height]).toEqual([128, 128]);
    // Hounsfield units: air outside the body near −1000, nothing below −1024
    expect(Math.min(...ct.values)).toBeGreaterThanOrEqual(-1024);
    expect(ct.values[0]).toBeLessThan(-800);
    const u8 = dicomToUint8(ct); // no window in the file → min–max
    expect(Math.min(...u8)).toBe(0);
    expect(Math.max(...u8)).toBe(255);
  });

  it('windows with the DICOM linear VOI function', async () => {
    const d = await decodeDicom(makeDicom({ rows: 1, cols: 5, pixels: [0, 99, 100, 150, 300], window: [150, 101] }));
    // c − 0.5 = 149.5, w − 1 = 100: y = ((x − 149.5)/100 + 0.5)·255, clamped
    expect(Array.from(dicomToUint8(d))).toEqual([0, 0, 1, 129, 255]);
    expect(Array.from(dicomToUint8(d, { window: { center: 50, width: 201 } }))).toEqual(
      [0, 127, 128, 191, 255].map((_, i) =>
        Math.max(0, Math.min(255, Math.round((([0, 99, 100, 150, 300][i]! - 49.5) / 200 + 0.5) * 255))),
      ),
    );
  });

  it('inverts MONOCHROME1, masks BitsStored and applies slope/intercept', async () => {
    // 12 bits stored in 16: high garbage bits must be ignored; slope 0.5, intercept 100
    const pixels = [0, 4095, 2048 | 0xf000, 1000];
    const d = await decodeDicom(
      makeDicom({ rows: 2, cols: 2, pixels, photometric: 'MONOCHROME1', bitsStored: 12, slope: 0.5, intercept: 100 }),
    );
    expect(Array.from(d.values)).toEqual([100, 100 + 4095 / 2, 100 + 1024, 600]);
    const u8 = dicomToUint8(d, { window: 'minmax' });
    // MONOCHROME1: the smallest value is displayed white
    expect(u8[0]).toBe(255);
    expect(u8[1]).toBe(0);
    const mono2 = dicomToUint8({ ...d, photometric: 'MONOCHROME2' }, { window: 'minmax' });
    expect(Array.from(u8)).toEqual(Array.from(mono2, (v) => 255 - v));
  });

  it('sign-extends signed data', async () => {
    const d = await decodeDicom(makeDicom({ rows: 1, cols: 3, pixels: [0xffff, 0x8000, 5], signed: true }));
    expect(Array.from(d.values)).toEqual([-1, -32768, 5]);
    const d12 = await decodeDicom(
      makeDicom({ rows: 1, cols: 2, pixels: [0x0fff, 0x0800], signed: true, bitsStored: 12 }),
    );
    expect(Array.from(d12.values)).toEqual([-1, -2048]);
  });

  it('reads big-endian data sets (retired syntax)', async () => {
    const d = await decodeDicom(
      makeDicom({ rows: 2, cols: 2, pixels: [1, 256, 4095, 513], bigEndian: true, slope: 2, intercept: -1 }),
    );
    expect(Array.from(d.values)).toEqual([1, 511, 8189, 1025]);
  });

  it('decodes 8-bit JPEG baseline frames', async () => {
    const grey = Buffer.from(Array.from({ length: 64 }, (_, i) => (i % 8) * 32));
    const jpeg = await sharp(grey, { raw: { width: 8, height: 8, channels: 1 } })
      .jpeg({ quality: 100 })
      .toBuffer();
    const d = await decodeDicom(
      makeDicom({
        rows: 8,
        cols: 8,
        bitsAllocated: 8,
        encapsulated: { syntax: '1.2.840.10008.1.2.4.50', frame: jpeg },
      }),
    );
    expect([d.width, d.height, d.channels]).toEqual([8, 8, 1]);
    for (let i = 0; i < 64; i++) expect(Math.abs(d.values[i]! - grey[i]!)).toBeLessThan(8);
  });

  it('rejects truncated files and unsupported syntaxes with the file name and the reason', async () => {
    await expect(readDicomFile(SAMPLE.dicom('MR_truncated.dcm'))).rejects.toThrow(
      /MR_truncated\.dcm: not a readable DICOM file \(truncated/,
    );
    const lossless = makeDicom({
      rows: 2,
      cols: 2,
      encapsulated: { syntax: '1.2.840.10008.1.2.4.57', frame: Uint8Array.from([0xff, 0xd8]) },
    });
    await expect(decodeDicom(lossless, 'ljpeg.dcm')).rejects.toThrow(
      /ljpeg\.dcm: unsupported transfer syntax JPEG Lossless \(1\.2\.840\.10008\.1\.2\.4\.57\)/,
    );
    await expect(readDicomFile(SAMPLE.dicom('JPEG-lossy.dcm'))).rejects.toMatchObject({ code: 'DATA_BAD_DICOM' });
    const short = makeDicom({ rows: 4, cols: 4, pixels: [1, 2, 3] });
    await expect(decodeDicom(short, 'short.dcm')).rejects.toThrow(/short\.dcm: truncated pixel data/);
    await expect(decodeDicom(new Uint8Array(10), 'tiny.dcm')).rejects.toMatchObject({
      code: 'DATA_BAD_DICOM',
      file: 'tiny.dcm',
    });
  });
});
