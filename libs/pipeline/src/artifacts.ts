import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Tensor } from '@transfusion/arrow-io';
import { StageError } from './errors.js';
import { metadataIssues, type ArtifactKind, type ArtifactStorage } from './artifact-kind.js';
import type { FilesValue, PathValue } from './stage.js';

/** Where output NAME of a given kind lives inside an attempt's output folder. */
export function outputPath(outDir: string, name: string): { file: string; dir: string } {
  return { file: join(outDir, `${name}.arrow`), dir: join(outDir, name) };
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else out.push(relative(dir, full).split(sep).join('/'));
    }
  };
  await walk(dir);
  return out.sort();
}

// Arrow is loaded only when a stage has typed inputs or outputs: an `exec` stage's process starts faster without it.
const arrowIo = () => import('@transfusion/arrow-io');

/** Loads an input for a stage's `run`, by the kind the stage declared: its value, or its path for kinds handed as `path`. */
export async function loadArtifact(kind: ArtifactKind, path: string): Promise<unknown> {
  if (kind.handedAs === 'path') return { path, isDirectory: (await stat(path)).isDirectory() } satisfies PathValue;
  switch (kind.storage) {
    case 'table':
      return (await arrowIo()).readTable(path);
    case 'tensor':
      return (await arrowIo()).readTensor(path);
    case 'tensors':
      return (await arrowIo()).readTensors(path);
    case 'files':
      return { dir: path, files: await listFiles(path) } satisfies FilesValue;
  }
}

function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && 'dtype' in v && 'shape' in v && 'data' in v;
}

/** Writes what `run` returned for output NAME into the attempt's output folder. */
export async function saveArtifact(
  outDir: string,
  name: string,
  storage: ArtifactStorage,
  value: unknown,
): Promise<void> {
  const { file, dir } = outputPath(outDir, name);
  switch (storage) {
    case 'table': {
      const { Table } = await import('apache-arrow');
      if (!(value instanceof Table)) throw new StageError(`output ${name}: expected an Arrow table`);
      return (await arrowIo()).writeTable(file, value);
    }
    case 'tensor':
      if (!isTensor(value)) throw new StageError(`output ${name}: expected a tensor {dtype, shape, data}`);
      return (await arrowIo()).writeTensor(file, value);
    case 'tensors':
      if (typeof value !== 'object' || value === null || !Object.values(value).every(isTensor)) {
        throw new StageError(`output ${name}: expected a record of named tensors`);
      }
      return (await arrowIo()).writeTensors(file, value as Record<string, Tensor>);
    case 'files': {
      if (typeof value !== 'object' || value === null)
        throw new StageError(`output ${name}: expected a record of relative path → content`);
      await mkdir(dir, { recursive: true });
      for (const [rel, content] of Object.entries(value as Record<string, unknown>)) {
        const target = resolve(dir, rel);
        if (!target.startsWith(dir + sep))
          throw new StageError(`output ${name}: file path ${rel} leaves the output folder`);
        if (typeof content !== 'string' && !(content instanceof Uint8Array))
          throw new StageError(`output ${name}/${rel}: expected a string or bytes`);
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, content);
      }
      return;
    }
  }
}

/**
 * Checks output NAME's metadata record against its kind's schema, before the engine commits it: a bad artifact
 * fails in the stage that wrote it, naming the output, its kind and the field. Missing files are the engine's to
 * report (it knows what was expected); kinds without a schema pass.
 */
export async function checkOutputMetadata(outDir: string, name: string, kind: ArtifactKind): Promise<void> {
  if (!kind.metadata || kind.storage === 'files') return;
  const { file } = outputPath(outDir, name);
  if (
    !(await stat(file).then(
      (st) => st.isFile(),
      () => false,
    ))
  )
    return;
  const { metadata } = await (await arrowIo()).inspectArrowFile(file);
  const checked = kind.metadata.safeParse(metadata);
  if (!checked.success)
    throw new StageError(`output '${name}' (${kind.name}): bad metadata record: ${metadataIssues(checked.error)}`);
}
