import { pathToFileURL } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import { UsageError } from './errors.js';
import { makeRegistry, type AnyStage, type StageRegistry } from './stage.js';

/** Imports a registry module (one that exports `stages: StageDefinition[]`) by path or file URL. */
export async function loadRegistry(moduleRef: string): Promise<StageRegistry> {
  const url = moduleRef.startsWith('file:')
    ? moduleRef
    : pathToFileURL(isAbsolute(moduleRef) ? moduleRef : resolve(moduleRef)).href;
  let mod: { stages?: unknown };
  try {
    mod = (await import(url)) as { stages?: unknown };
  } catch (e) {
    throw new UsageError(`stage registry ${moduleRef}: cannot load it (${(e as Error).message})`);
  }
  if (!Array.isArray(mod.stages))
    throw new UsageError(
      `stage registry ${moduleRef}: expected it to export \`stages\`, an array of stage definitions`,
    );
  return makeRegistry(mod.stages as AnyStage[]);
}

export function registryUrl(moduleRef: string): string {
  return moduleRef.startsWith('file:') ? moduleRef : pathToFileURL(resolve(moduleRef)).href;
}
