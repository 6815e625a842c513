// `transfusion data summary`: per split, images, patients and label counts; the rejected rows with reasons.
import { formatSummary, summarizeImageSet, summarizeManifest } from '@transfusion/data';
import type { CommandIo } from '../../command.js';
import { SOURCE_HELP, type Flags } from './flags.js';
import { openSource } from './source.js';

export const help = `transfusion data summary --format F --root PATH [options] [--json]

Prints, per split, the image count, patients, and per-label positives / negatives / uncertain / blank /
ignored (after the uncertainty policy), then the rejected rows with their reasons.

${SOURCE_HELP}  --size N            synthetic: image side in pixels              [default 64]
  --classes N         synthetic-natural: number of classes         [default 16]
  --max-rejected N    rejected rows listed in the text report      [default 20]
  --json              print the summary as JSON on stdout
  -h, --help          show this help
`;

export async function run(f: Flags, io: CommandIo): Promise<number> {
  const src = await openSource(f);
  const s = 'manifest' in src ? summarizeManifest(src.manifest) : summarizeImageSet(src.set, f.format, src.root);
  io.stdout(f.json ? `${JSON.stringify(s, null, 2)}\n` : formatSummary(s, f['max-rejected'] ?? 20));
  return 0;
}
