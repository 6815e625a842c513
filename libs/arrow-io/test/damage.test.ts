import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import {
  ArrowFileError,
  decodeTable,
  decodeTensor,
  decodeTensors,
  encodeTable,
  encodeTensor,
  encodeTensors,
  inspectArrowBytes,
  inspectArrowFile,
  openArrowFile,
  readBatches,
  readTable,
  readTensor,
  readTensors,
  tableFromColumns,
  tensor,
} from '../src/index.js';
import { parseBytes } from '../src/parse-file.js';
import { expectArrowError, expectArrowErrorAsync, useTempDir } from './helpers.js';

const dir = useTempDir();

/** A comparable rendering of a decoded artifact (typed arrays as plain arrays). */
const render = (x: unknown): string =>
  JSON.stringify(x, (_k, v: unknown) =>
    ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : typeof v === 'bigint' ? `${v}n` : v,
  );
const tableRows = (t: arrow.Table) => t.toArray().map((r) => r.toJSON());

interface Case {
  bytes: Uint8Array;
  /**
   * Files written by this lib (and Arrow C++) carry the schema twice, so footer damage is caught by the
   * cross-check. Plain apache-arrow omits the first copy: a flip inside a footer string (a column name)
   * can then go unnoticed, which only the engine's content hash catches.
   */
  footerHasCopy?: false;
  decode(bytes: Uint8Array, source: string): unknown;
  read(path: string): Promise<unknown>;
}

const CASES: Record<string, Case> = {
  'tensor (3 batches)': {
    bytes: encodeTensor(
      tensor(
        'float32',
        [2, 5],
        Float32Array.from({ length: 10 }, (_, i) => i * 0.5),
      ),
      { note: 'x' },
      { batchElements: 4 },
    ),
    decode: (b, s) => decodeTensor(b, s),
    read: (p) => readTensor(p),
  },
  'tensors collection': {
    bytes: encodeTensors({
      'conv/kernel:0': tensor('float64', [2, 2], new Float64Array([1, 2, 3, 4])),
      step: tensor('int8', [], new Int8Array([5])),
      e: tensor('uint16', [0]),
    }),
    decode: (b, s) => decodeTensors(b, s),
    read: (p) => readTensors(p),
  },
  'table with strings, nulls, dictionary': {
    bytes: encodeTable(
      new arrow.Table({
        ...Object.fromEntries(
          tableFromColumns({
            auc: [0.5, null, 0.75],
            model: ['a', 'bb', null],
            ok: [true, false, true],
          }).data[0]!.children.map((d, i) => [['auc', 'model', 'ok'][i]!, arrow.makeVector(d)]),
        ),
        label: arrow.vectorFromArray(['cat', 'dog', 'cat'], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
      }),
      { stage: 'eval' },
    ),
    decode: (b, s) => tableRows(decodeTable(b, s)),
    read: async (p) => tableRows(await readTable(p)),
  },
  'table written by plain apache-arrow (2 batches, no leading schema)': {
    bytes: arrow.tableToIPC(
      new arrow.Table(
        [
          [
            [1, 2],
            ['a', 'b'],
          ],
          [[3], ['c']],
        ].map(
          ([x, s]) =>
            new arrow.RecordBatch({
              x: arrow.vectorFromArray(x!, new arrow.Float64()).data[0]!,
              s: arrow.vectorFromArray(s!, new arrow.Utf8()).data[0]!,
            }),
        ),
      ),
      'file',
    ),
    decode: (b, s) => tableRows(decodeTable(b, s)),
    read: async (p) => tableRows(await readTable(p)),
    footerHasCopy: false,
  },
};

/** Byte ranges holding column data; damage there is invisible to Arrow (the engine's sha256 catches it). */
function bodyRanges(bytes: Uint8Array): [number, number][] {
  const p = parseBytes(bytes);
  return [...p.dictionaries, ...p.batches].map((b) => [b.bodyStart, b.bodyStart + b.block.bodyLength]);
}

function footerStartOf(bytes: Uint8Array): number {
  return bytes.length - 10 - new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 10, 4).getInt32(0, true);
}

function outcome(c: Case, bytes: Uint8Array, file: string): string {
  try {
    return render(c.decode(bytes, file));
  } catch (err) {
    // Anything else than an ArrowFileError naming the file (RangeError, TypeError ...) fails the test here.
    expect(err).toBeInstanceOf(ArrowFileError);
    expect((err as ArrowFileError).message.startsWith(`${file}: `)).toBe(true);
    return `error:${(err as ArrowFileError).code}`;
  }
}

describe.each(Object.entries(CASES))('%s', (_name, c) => {
  const reference = render(c.decode(c.bytes, 'ref'));

  test('truncation at every length is ARROW_TRUNCATED, in memory', () => {
    for (let n = 0; n < c.bytes.length; n++) {
      expectArrowError(() => c.decode(c.bytes.slice(0, n), 'cut.arrow'), 'ARROW_TRUNCATED', 'cut.arrow');
    }
  });

  test('truncated files (inside the footer, inside a body buffer, ...) are rejected by every file reader', async () => {
    const [bodyStart, bodyEnd] = bodyRanges(c.bytes)[0]!;
    const cuts = [
      0,
      3,
      8,
      bodyStart + 1,
      Math.floor((bodyStart + bodyEnd) / 2),
      bodyEnd,
      c.bytes.length - 20,
      c.bytes.length - 7,
      c.bytes.length - 1,
    ];
    for (const n of cuts) {
      const path = join(dir(), `cut-${n}.arrow`);
      await writeFile(path, c.bytes.subarray(0, n));
      await expectArrowErrorAsync(() => c.read(path), 'ARROW_TRUNCATED', path);
      await expectArrowErrorAsync(() => inspectArrowFile(path), 'ARROW_TRUNCATED', path);
      await expectArrowErrorAsync(() => openArrowFile(path), 'ARROW_TRUNCATED', path);
    }
  });

  test('every bit flip outside the column data is detected or leaves the result identical', () => {
    const body = bodyRanges(c.bytes);
    const unprotected: [number, number][] =
      c.footerHasCopy === false ? [[footerStartOf(c.bytes), c.bytes.length - 10]] : [];
    const within = (ranges: [number, number][], i: number) => ranges.some(([s, e]) => i >= s && i < e);
    let detected = 0;
    let harmless = 0;
    for (let i = 0; i < c.bytes.length; i++) {
      if (within(body, i)) continue;
      for (let bit = 0; bit < 8; bit++) {
        const damaged = c.bytes.slice();
        damaged[i]! ^= 1 << bit;
        const r = outcome(c, damaged, 'flip.arrow'); // asserts: never a raw RangeError/TypeError
        if (within(unprotected, i)) continue;
        if (r.startsWith('error:')) detected++;
        else {
          expect(r, `flip of bit ${bit} at byte ${i} changed the result silently`).toBe(reference);
          harmless++;
        }
      }
    }
    // Harmless flips hit padding and unused flatbuffer bytes; the large majority must be caught.
    expect(detected / (detected + harmless)).toBeGreaterThan(0.75);
  });

  test('flips in the leading magic are ARROW_BAD_MAGIC, in the trailing magic ARROW_TRUNCATED', () => {
    for (let i = 0; i < 6; i++) {
      const head = c.bytes.slice();
      head[i]! ^= 0x10;
      expectArrowError(() => c.decode(head, 'm.arrow'), 'ARROW_BAD_MAGIC', 'm.arrow');
      const tail = c.bytes.slice();
      tail[tail.length - 1 - i]! ^= 0x10;
      expectArrowError(() => c.decode(tail, 'm.arrow'), 'ARROW_TRUNCATED', 'm.arrow');
    }
  });

  test('damaged files on disk are rejected by every file reader with the path in the message', async () => {
    const body = bodyRanges(c.bytes);
    const footerStart = footerStartOf(c.bytes);
    const footerLength = c.bytes.length - 10 - footerStart;
    const spots = [footerStart + 3, footerStart + Math.floor(footerLength / 2), c.bytes.length - 10, body[0]![0] - 40];
    for (const at of spots) {
      const damaged = c.bytes.slice();
      damaged[at]! ^= 0xff;
      const expected = outcome(c, damaged, 'x');
      if (!expected.startsWith('error:')) continue; // an inert byte: nothing to detect
      const path = join(dir(), `flip-${at}.arrow`);
      await writeFile(path, damaged);
      const code = expected.slice('error:'.length) as ArrowFileError['code'];
      await expectArrowErrorAsync(() => c.read(path), code, path);
      await expectArrowErrorAsync(() => inspectArrowFile(path), code, path);
    }
  });
});

describe('metadata damage', () => {
  test('a changed metadata value in either schema copy is caught by the cross-check', () => {
    const bytes = encodeTensor(tensor('float32', [2]), { note: 'x' });
    const hits: number[] = [];
    for (let i = 0; i < bytes.length; i++)
      if (bytes[i] === 0x78 && bytes[i - 1] === 0 && bytes[i + 1] === 0) hits.push(i); // the value "x"
    expect(hits.length).toBe(2); // leading Schema message and footer
    for (const at of hits) {
      const damaged = bytes.slice();
      damaged[at] = 0x79; // "x" -> "y": a valid file in itself, only the redundancy reveals it
      const err = expectArrowError(() => decodeTensor(damaged, 'meta.arrow'), 'ARROW_DAMAGED', 'meta.arrow');
      expect(err.message).toMatch(/differs from the footer's copy \(schema metadata\)/);
    }
  });
});

describe('not an Arrow file', () => {
  const png = new Uint8Array([
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6,
    0, 0, 0,
  ]);
  const json = new TextEncoder().encode(JSON.stringify({ dtype: 'float32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }));
  const stream = arrow.tableToIPC(arrow.tableFromArrays({ x: new Float32Array([1, 2]) }), 'stream');
  const inputs: [string, Uint8Array, string, RegExp][] = [
    ['empty', new Uint8Array(0), 'ARROW_TRUNCATED', /is empty \(0 bytes\)/],
    [
      'png',
      png,
      'ARROW_BAD_MAGIC',
      /not an Arrow IPC file: expected it to start with "ARROW1", found bytes 89 50 4e 47/,
    ],
    ['json', json, 'ARROW_BAD_MAGIC', /not an Arrow IPC file/],
    ['ipc stream', stream, 'ARROW_BAD_MAGIC', /stream format/],
    ['magic only', new TextEncoder().encode('ARROW1'), 'ARROW_TRUNCATED', /too short/],
    ['two magics', new TextEncoder().encode(`ARROW1${'\0'.repeat(14)}ARROW1`), 'ARROW_DAMAGED', /footer length 0/],
  ];

  test.each(inputs)('%s: in memory', (_name, bytes, code, message) => {
    for (const decode of [decodeTensor, decodeTensors, decodeTable, inspectArrowBytes]) {
      const err = expectArrowError(() => decode(bytes, 'in.arrow'), code as ArrowFileError['code'], 'in.arrow');
      expect(err.message).toMatch(message);
    }
  });

  test.each(inputs)('%s: on disk, every reader', async (name, bytes, code) => {
    const path = join(dir(), `${name.replace(/ /g, '-')}.bin`);
    await writeFile(path, bytes);
    const c = code as ArrowFileError['code'];
    await expectArrowErrorAsync(() => readTensor(path), c, path);
    await expectArrowErrorAsync(() => readTensors(path), c, path);
    await expectArrowErrorAsync(() => readTable(path), c, path);
    await expectArrowErrorAsync(() => inspectArrowFile(path), c, path);
    await expectArrowErrorAsync(() => openArrowFile(path), c, path);
    await expectArrowErrorAsync(
      async () => {
        for await (const b of readBatches(path)) void b;
      },
      c,
      path,
    );
  });

  test('a non-Uint8Array input is a clear error, not a TypeError', () => {
    expectArrowError(() => decodeTensor('ARROW1' as unknown as Uint8Array, 's'), 'ARROW_IO', 's');
  });
});
