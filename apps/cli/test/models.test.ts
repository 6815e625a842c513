import { describe, expect, it } from 'vitest';
import type { ModelSummary } from '@transfusion/models';
import { main, summary } from '../src/commands/models.js';
import { runCommand } from './capture.js';

const run = (argv: string[]) => runCommand(main, argv);

describe('transfusion models', () => {
  it('has a one-line summary and help', async () => {
    expect(summary).not.toContain('\n');
    const h = await run(['--help']);
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/Usage: transfusion models <command>/);
    const lh = await run(['list', '--help']);
    expect(lh.code).toBe(0);
    expect(lh.out).toMatch(/--input-size S/);
  });

  it('list --json gives every model with stages, parameter counts, FLOPs and references', async () => {
    const r = await run([
      'list',
      '--json',
      '--input-size',
      '32',
      '--classes',
      '5',
      '--width',
      '0.25',
      '--model',
      'cbr-small',
      '--model',
      'resnet50',
    ]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/\[1\/2\] building cbr-small/);
    const rows = JSON.parse(r.out) as ModelSummary[];
    expect(rows.map((x) => x.name)).toEqual(['cbr-small', 'resnet50']);
    const cbr = rows[0]!;
    expect(cbr.stages.map((s) => s.name)).toEqual(['layer1', 'layer2', 'layer3', 'layer4', 'head']);
    // width 0.25: 8, 16, 32, 64 channels.
    expect(cbr.paperStyleParams).toBe(49 * (8 * 16 + 16 * 32 + 32 * 64) + 64 * 5);
    expect(cbr.params.total).toBe(49 * (3 * 8 + 8 * 16 + 16 * 32 + 32 * 64) + 4 * (8 + 16 + 32 + 64) + 64 * 5 + 5);
    expect(cbr.params.trainable).toBe(cbr.params.total - 2 * (8 + 16 + 32 + 64));
    expect(cbr.flops).toBe(2 * cbr.macs);
    expect(cbr.reference).toEqual({ params: 2_108_672, classes: 5, source: 'paper' });
    expect(rows[1]!.stages.map((s) => s.outputShape)).toEqual([
      [16, 16, 16],
      [8, 8, 64],
      [4, 4, 128],
      [2, 2, 256],
      [1, 1, 512],
      [5],
    ]);
  });

  it('list prints a table by default', async () => {
    const r = await run(['list', '--input-size', '16', '--model', 'cbr-tiny-32']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^model\s+params\s+trainable\s+paper-style\s+reference\s+GFLOPs\n/);
    expect(r.out).toMatch(/cbr-tiny-32\s+1,336,520\s+1,335,560\s+1,331,200\s+1,076,480 \(paper, 5 classes\)/);
    expect(r.out).toMatch(/cbr-tiny-32: layer1 8×8×32, layer2 4×4×64/);
  });

  it('bad input exits 2 with a message naming the flag', async () => {
    expect((await run(['list', '--input-size', 'big'])).err).toMatch(/--input-size must be a positive integer/);
    expect((await run(['list', '--input-size', 'big'])).code).toBe(2);
    const unknownModel = await run(['list', '--model', 'vgg16']);
    expect([unknownModel.code, unknownModel.err]).toEqual([2, expect.stringMatching(/unknown model 'vgg16'/)]);
    const unknownFlag = await run(['list', '--colour']);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.err).toMatch(/--colour/);
    const all = await run(['list', '--input-size', '40', '--width', '0.125', '--classes', '2', '--json']);
    expect(all.code).toBe(0);
    expect(all.err).toMatch(/skipped: inception-v3: input 40×40 is too small/);
    expect((JSON.parse(all.out) as ModelSummary[]).map((x) => x.name)).not.toContain('inception-v3');
    const small = await run(['list', '--model', 'inception-v3', '--input-size', '40']);
    expect([small.code, small.err]).toEqual([2, expect.stringMatching(/inception-v3: input 40×40 is too small/)]);
    expect((await run(['train'])).code).toBe(2);
    expect((await run([])).code).toBe(2);
  });
});

describe('transfusion models import', () => {
  it('checks converted weights by layer name and writes an Arrow artifact with the spec', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { buildModel, exportLayersModel, loadWeights, randomInit, setWeights, getWeights } = await import(
      '@transfusion/models'
    );
    const dir = await mkdtemp(join(tmpdir(), 'models-cli-'));
    try {
      const zm = buildModel({ name: 'cbr-small', width: 0.125, classes: 4, inputSize: 16 });
      setWeights(zm, randomInit(zm, { seed: 3 }));
      const modelJson = await exportLayersModel(zm, join(dir, 'tfjs'));
      const out = join(dir, 'w.arrow');
      const r = await run(['import', modelJson, '--model', 'cbr-small', '--width', '0.125', '--out', out, '--json']);
      expect(r.err).toMatch(/reading /);
      expect(r.code).toBe(0);
      const report = JSON.parse(r.out) as { loaded: number; head: string; out: string };
      expect(report).toMatchObject({ loaded: 22, head: 'kept', out });
      const saved = await loadWeights(out);
      expect(saved.spec).toMatchObject({ name: 'cbr-small', classes: 4, width: 0.125 });
      const original = getWeights(zm);
      expect(Object.keys(saved.weights).sort()).toEqual(Object.keys(original).sort());
      expect(saved.weights['layer3_conv/kernel']!.data).toEqual(original['layer3_conv/kernel']!.data);
      zm.model.dispose();

      const text = await run(['import', out, '--model', 'cbr-small', '--width', '0.125']);
      expect(text.out).toMatch(/22 weights match cbr-small \(head kept; 0 layers renamed\)\nchecked only/);

      const wrong = await run(['import', modelJson, '--model', 'resnet50']);
      expect([wrong.code, wrong.err]).toEqual([
        2,
        expect.stringMatching(/weights were saved from cbr-small, the model is resnet50/),
      ]);
      const narrow = await run(['import', modelJson, '--model', 'cbr-small']);
      expect([narrow.code, narrow.err]).toEqual([
        2,
        expect.stringMatching(/layer1_conv\/kernel: expected \[7, 7, 3, 32\], source has \[7, 7, 3, 4\]/),
      ]);
      expect((await run(['import', modelJson])).err).toMatch(/--model is required/);
      expect((await run(['import', '--model', 'cbr-small'])).err).toMatch(/expected one weights file/);
      const missing = await run(['import', join(dir, 'none.json'), '--model', 'cbr-small']);
      expect([missing.code, missing.err]).toEqual([2, expect.stringMatching(/none\.json: cannot read model\.json/)]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
