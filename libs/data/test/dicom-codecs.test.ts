import { describe, expect, it } from 'vitest';
import { charlsCodec, openJpegCodec, type CodecFrameInfo, type WasmEncoder } from '../src/dicom-codecs.js';
import { decodeDicom, readDicomFile } from '../src/dicom.js';
import { makeDicom, SAMPLE } from './helpers.js';

const J2K_LOSSLESS = '1.2.840.10008.1.2.4.90';
const J2K = '1.2.840.10008.1.2.4.91';
const JLS_LOSSLESS = '1.2.840.10008.1.2.4.80';
const JLS_NEAR = '1.2.840.10008.1.2.4.81';

/** Encodes samples (interleaved; 8-bit as bytes, else 16-bit) with the same codecs the reader decodes with. */
async function encode(
  kind: 'jpeg2000' | 'jpeg-ls',
  samples: Uint8Array | Uint16Array,
  info: CodecFrameInfo,
  tune?: (e: WasmEncoder) => void,
): Promise<Uint8Array> {
  const encoder =
    kind === 'jpeg2000' ? new (await openJpegCodec()).J2KEncoder() : new (await charlsCodec()).JpegLSEncoder();
  try {
    encoder.getDecodedBuffer(info).set(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength));
    if (kind === 'jpeg2000') encoder.setDecompositions?.(2);
    tune?.(encoder);
    encoder.encode();
    return encoder.getEncodedBuffer().slice();
  } finally {
    encoder.delete?.();
  }
}

/** A deterministic 16 × 12 test image of `bits`-bit samples. */
function ramp(n: number, bits: number): number[] {
  return Array.from({ length: n }, (_, i) => (i * 2654435761) % (1 << bits));
}

describe('DICOM JPEG 2000 and JPEG-LS', () => {
  it('decodes the real JPEG 2000 lossless MR slice exactly as its uncompressed twin', async () => {
    const raw = await readDicomFile(SAMPLE.dicom('MR_small.dcm'));
    const j2k = await readDicomFile(SAMPLE.dicom('MR_small_jp2klossless.dcm'));
    expect(j2k.transferSyntax).toBe(J2K_LOSSLESS);
    expect([j2k.width, j2k.height, j2k.channels]).toEqual([64, 64, 1]);
    expect(Array.from(j2k.values)).toEqual(Array.from(raw.values));
  });

  it('12-bit monochrome, JPEG 2000 lossless and JPEG-LS lossless: values exact, slope/intercept applied', async () => {
    const pixels = ramp(16 * 12, 12);
    const info = {
      width: 16,
      height: 12,
      bitsPerSample: 12,
      componentCount: 1,
      isSigned: false,
      isUsingColorTransform: false,
    };
    for (const [kind, syntax] of [
      ['jpeg2000', J2K_LOSSLESS],
      ['jpeg-ls', JLS_LOSSLESS],
    ] as const) {
      const frame = await encode(kind, Uint16Array.from(pixels), info);
      const d = await decodeDicom(
        makeDicom({
          rows: 12,
          cols: 16,
          bitsAllocated: 16,
          bitsStored: 12,
          intercept: -1024,
          encapsulated: { syntax, frame },
        }),
        `${kind}.dcm`,
      );
      expect([d.width, d.height, d.channels, d.transferSyntax], kind).toEqual([16, 12, 1, syntax]);
      expect(Array.from(d.values), kind).toEqual(pixels.map((v) => v - 1024));
    }
  });

  it('8-bit RGB: JPEG-LS exact; JPEG 2000 with its colour transform (YBR_RCT) comes back as RGB', async () => {
    const pixels = ramp(8 * 8 * 3, 8);
    const info = {
      width: 8,
      height: 8,
      bitsPerSample: 8,
      componentCount: 3,
      isSigned: false,
      isUsingColorTransform: false,
    };
    const jls = await decodeDicom(
      makeDicom({
        rows: 8,
        cols: 8,
        bitsAllocated: 8,
        samplesPerPixel: 3,
        photometric: 'RGB',
        encapsulated: { syntax: JLS_LOSSLESS, frame: await encode('jpeg-ls', Uint8Array.from(pixels), info) },
      }),
    );
    expect([jls.channels, jls.photometric]).toEqual([3, 'RGB']);
    expect(Array.from(jls.values)).toEqual(pixels);
    const rct = await encode('jpeg2000', Uint8Array.from(pixels), { ...info, isUsingColorTransform: true });
    const j2k = await decodeDicom(
      makeDicom({
        rows: 8,
        cols: 8,
        bitsAllocated: 8,
        samplesPerPixel: 3,
        photometric: 'YBR_RCT',
        encapsulated: { syntax: J2K_LOSSLESS, frame: rct },
      }),
    );
    expect(j2k.photometric).toBe('RGB');
    expect(Array.from(j2k.values)).toEqual(pixels);
  });

  it('near-lossless JPEG-LS stays within its bound; the JPEG 2000 (lossy) syntax decodes its stream', async () => {
    const pixels = ramp(32 * 32, 8).map((v, i) => (v >> 2) + (i % 32) * 4); // smoother, still varied
    const info = {
      width: 32,
      height: 32,
      bitsPerSample: 8,
      componentCount: 1,
      isSigned: false,
      isUsingColorTransform: false,
    };
    const near = await decodeDicom(
      makeDicom({
        rows: 32,
        cols: 32,
        bitsAllocated: 8,
        encapsulated: {
          syntax: JLS_NEAR,
          frame: await encode('jpeg-ls', Uint8Array.from(pixels), info, (e) => e.setNearLossless?.(2)),
        },
      }),
    );
    expect(Math.max(...Array.from(near.values, (v, i) => Math.abs(v - pixels[i]!)))).toBeLessThanOrEqual(2);
    const lossy = await decodeDicom(
      makeDicom({
        rows: 32,
        cols: 32,
        bitsAllocated: 8,
        encapsulated: { syntax: J2K, frame: await encode('jpeg2000', Uint8Array.from(pixels), info) },
      }),
    );
    expect(Array.from(lossy.values)).toEqual(pixels); // a reversible stream under the lossy syntax decodes as such
  });

  it('a damaged frame or one that disagrees with the header is a DATA_BAD_DICOM error naming the file', async () => {
    const garbage = makeDicom({
      rows: 4,
      cols: 4,
      bitsAllocated: 8,
      encapsulated: { syntax: JLS_LOSSLESS, frame: Uint8Array.from([0xff, 0xd8, 1, 2, 3, 4, 5, 6]) },
    });
    await expect(decodeDicom(garbage, 'bad-ls.dcm')).rejects.toMatchObject({
      code: 'DATA_BAD_DICOM',
      file: 'bad-ls.dcm',
    });
    await expect(decodeDicom(garbage, 'bad-ls.dcm')).rejects.toThrow(
      /bad-ls\.dcm: cannot decode JPEG-LS Lossless frame/,
    );
    const frame = await encode('jpeg2000', Uint8Array.from(ramp(64, 8)), {
      width: 8,
      height: 8,
      bitsPerSample: 8,
      componentCount: 1,
      isSigned: false,
      isUsingColorTransform: false,
    });
    const wrongSize = makeDicom({ rows: 4, cols: 16, bitsAllocated: 8, encapsulated: { syntax: J2K_LOSSLESS, frame } });
    await expect(decodeDicom(wrongSize, 'size.dcm')).rejects.toThrow(
      /size\.dcm: JPEG 2000 Lossless frame is 8×8×1, but the header says Columns 16, Rows 4, SamplesPerPixel 1/,
    );
  });
});
