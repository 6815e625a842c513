import { readFileSync, realpathSync } from 'node:fs';
import { dirname, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 } from './hash.js';
import { runtimeImports } from './module-imports.js';
import { packageOf, resolveImport } from './module-resolve.js';

/**
 * The code a stage runs: every file reachable through the imports that load code at run time (see
 * `runtimeImports`) from the stage's module, within its own package and workspace packages (any package not
 * installed under node_modules), keyed by `<package name>/<path inside the package>` so the key is the same in
 * every clone and folder; plus the versions of the installed packages those files import. Changing any of those
 * files or versions changes the key.
 */
export interface CodeClosure {
  hash: string;
  files: Record<string, string>;
  packages: Record<string, string>;
}

export function codeClosure(entryUrl: string): CodeClosure {
  const files: Record<string, string> = {};
  const packages: Record<string, string> = {};
  const seen = new Set<string>();
  const queue = [realpathSync(fileURLToPath(entryUrl))];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    files[closureLabel(file)] = sha256(text);
    for (const spec of runtimeImports(text, file)) {
      const target = resolveImport(spec, file);
      if (target.kind === 'file') queue.push(target.file);
      else if (target.kind === 'package') packages[target.name] = target.version;
    }
  }
  const sortedFiles = sortedByKey(files);
  return { hash: sha256(JSON.stringify(sortedFiles)), files: sortedFiles, packages: sortedByKey(packages) };
}

/** `<package name>/<path inside the package>`: the same in every clone and folder. */
function closureLabel(file: string): string {
  const pkg = packageOf(dirname(file));
  return pkg ? `${pkg.name}/${relative(pkg.root, file).split(sep).join('/')}` : relative(process.cwd(), file);
}

function sortedByKey(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}
