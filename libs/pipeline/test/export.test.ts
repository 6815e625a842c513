import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { crc32c, eventFile, exportRun, maskedCrc32c, readRunLogs } from '@transfusion/pipeline';
import { emit, run, workspace } from './helpers.js';

// ---- an independent reader: TFRecord framing with CRC checks, and a minimal protobuf decoder ----

/** Splits TFRecords, checking both masked CRCs of each; throws on any mismatch or truncation. */
function readRecords(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 12 > bytes.length) throw new Error(`truncated header at ${at}`);
    const len = Number(view.getBigUint64(at, true));
    if (view.getUint32(at + 8, true) !== maskedCrc32c(bytes.subarray(at, at + 8)))
      throw new Error(`length CRC mismatch at ${at}`);
    const data = bytes.subarray(at + 12, at + 12 + len);
    if (data.length !== len || at + 16 + len > bytes.length) throw new Error(`truncated record at ${at}`);
    if (view.getUint32(at + 12 + len, true) !== maskedCrc32c(data)) throw new Error(`data CRC mismatch at ${at}`);
    out.push(data);
    at += 16 + len;
  }
  return out;
}

type Field = { field: number; wire: number; value: bigint | number | Uint8Array };
function decode(bytes: Uint8Array): Field[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fields: Field[] = [];
  let at = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = bytes[at++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (at < bytes.length) {
    const key = Number(varint());
    const field = key >> 3;
    const wire = key & 7;
    if (wire === 0) fields.push({ field, wire, value: varint() });
    else if (wire === 1) {
      fields.push({ field, wire, value: view.getFloat64(at, true) });
      at += 8;
    } else if (wire === 5) {
      fields.push({ field, wire, value: view.getFloat32(at, true) });
      at += 4;
    } else if (wire === 2) {
      const len = Number(varint());
      fields.push({ field, wire, value: bytes.subarray(at, at + len) });
      at += len;
    } else throw new Error(`wire type ${wire}`);
  }
  return fields;
}

/** Event → {wallTime, step, fileVersion?, scalars?} */
function parseEvent(bytes: Uint8Array): {
  wallTime: number;
  step: number;
  fileVersion?: string;
  scalars?: Record<string, number>;
} {
  const f = decode(bytes);
  const get = (n: number) => f.find((x) => x.field === n)?.value;
  const ev: { wallTime: number; step: number; fileVersion?: string; scalars?: Record<string, number> } = {
    wallTime: get(1) as number,
    step: Number(get(2) ?? 0n),
  };
  const fv = get(3);
  if (fv) ev.fileVersion = new TextDecoder().decode(fv as Uint8Array);
  const summary = get(5);
  if (summary) {
    ev.scalars = {};
    for (const v of decode(summary as Uint8Array).filter((x) => x.field === 1)) {
      const vf = decode(v.value as Uint8Array);
      ev.scalars[new TextDecoder().decode(vf.find((x) => x.field === 1)!.value as Uint8Array)] = vf.find(
        (x) => x.field === 2,
      )!.value as number;
    }
  }
  return ev;
}

describe('TensorBoard event files', () => {
  test('CRC-32C matches the standard check value; masking as TFRecord does', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
    const c = 0xe3069283;
    expect(maskedCrc32c(new TextEncoder().encode('123456789'))).toBe((((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0);
  });

  test('a file of scalar events parses back: version record first, then steps, tags and values', () => {
    const bytes = eventFile([
      { step: 0, wallTime: 1700000000.5, values: { 'history/loss': 0.75, 'history/val_auc': 0.5 } },
      { step: 300, wallTime: 1700000001, values: { 'history/loss': 0.25 } },
    ]);
    const events = readRecords(bytes).map(parseEvent);
    expect(events).toEqual([
      { wallTime: 1700000000.5, step: 0, fileVersion: 'brain.Event:2' },
      { wallTime: 1700000000.5, step: 0, scalars: { 'history/loss': 0.75, 'history/val_auc': 0.5 } },
      { wallTime: 1700000001, step: 300, scalars: { 'history/loss': 0.25 } },
    ]);
    const damaged = bytes.slice();
    damaged[damaged.length - 6]! ^= 1;
    expect(() => readRecords(damaged)).toThrow(/data CRC mismatch/);
  });
});

// An exec stage that writes a history (step, loss, val_auc) and a metrics table, as the study's stages do.
const SCRIPT = `import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
const out = process.env.TRANSFUSION_OUT;
writeFileSync(join(out, 'history.arrow'), tableToIPC(tableFromArrays({ step: Int32Array.of(0, 10, 20), loss: Float64Array.of(1, 0.5, 0.25), val_auc: Float64Array.of(0.5, NaN, 0.75) }), 'file'));
writeFileSync(join(out, 'metrics.arrow'), tableToIPC(tableFromArrays({ metric: ['auc', 'acc'], value: Float64Array.of(0.8125, 0.625) }), 'file'));
`;

describe('transfusion export', () => {
  test("a run's histories and metrics as CSV and event files; the folder appears whole, never over an existing one", async () => {
    const ws = workspace(`stages:
${emit('data', { value: 1 })}
  train-a:
    uses: exec
    with: { command: [node, hist.mjs], deps: [hist.mjs] }
    needs: { x: data.out }
    outputs: { history: table, metrics: table }
`);
    writeFileSync(join(ws.dir, 'hist.mjs'), SCRIPT);
    await run(ws);
    const [log] = await readRunLogs(ws.store, 'pipeline');
    const dest = join(ws.dir, 'export');
    const r = await exportRun(ws.store, log!, dest, { csv: true, tensorboard: true });
    expect(r.histories).toBe(1);
    expect(r.metrics).toBe(2);
    expect(readFileSync(join(dest, 'metrics.csv'), 'utf8')).toBe(
      'stage,metric,value\ntrain-a,auc,0.8125\ntrain-a,acc,0.625\n',
    );
    expect(readFileSync(join(dest, 'history', 'train-a.csv'), 'utf8')).toBe(
      'step,loss,val_auc\n0,1,0.5\n10,0.5,\n20,0.25,0.75\n',
    );
    const [tf] = readdirSync(join(dest, 'tensorboard', 'train-a'));
    expect(tf).toMatch(/^events\.out\.tfevents\.\d+\./);
    const events = readRecords(readFileSync(join(dest, 'tensorboard', 'train-a', tf!))).map(parseEvent);
    expect(events[0]!.fileVersion).toBe('brain.Event:2');
    expect(events.slice(1).map((e) => [e.step, e.scalars])).toEqual([
      [0, { 'history/loss': 1, 'history/val_auc': 0.5 }],
      [10, { 'history/loss': 0.5 }], // NaN left out
      [20, { 'history/loss': 0.25, 'history/val_auc': 0.75 }],
      [0, { 'metrics/auc': 0.8125, 'metrics/acc': 0.625 }],
    ]);
    await expect(exportRun(ws.store, log!, dest, { csv: true, tensorboard: false })).rejects.toThrow(
      /already exists; give a new folder/,
    );
    const csvOnly = await exportRun(ws.store, log!, join(ws.dir, 'csv-only'), { csv: true, tensorboard: false });
    expect(csvOnly.files).toEqual(['history/train-a.csv', 'metrics.csv']);
    expect(readdirSync(ws.dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
    expect(existsSync(join(ws.dir, 'csv-only', 'tensorboard'))).toBe(false);
  });
});
