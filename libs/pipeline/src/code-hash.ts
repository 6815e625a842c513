import { readFileSync, realpathSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 } from './hash.js';

/**
 * The code a stage runs: every JS file reachable through static and literal dynamic imports from the stage's
 * module, within its own package and workspace packages (any package not installed under node_modules), keyed
 * by `<package name>/<path inside the package>` so the key is the same in every clone and folder; plus the
 * versions of the installed packages those files import. Changing any of those files or versions changes the key.
 */
export interface CodeClosure {
  hash: string;
  files: Record<string, string>;
  packages: Record<string, string>;
}

const IMPORT_RE = /(?:^|[;\s}])(?:import|export)\s*(?:[\w*${}\s,]+?\s*from\s*)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
const builtins = new Set(builtinModules);

interface PackageInfo {
  root: string;
  name: string;
  version: string;
  exports: unknown;
  main?: string;
  installed: boolean;
}

const packageCache = new Map<string, PackageInfo | null>();

function packageOf(dir: string): PackageInfo | null {
  if (packageCache.has(dir)) return packageCache.get(dir)!;
  let info: PackageInfo | null = null;
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string; exports?: unknown; main?: string };
    if (pkg.name) info = { root: dir, name: pkg.name, version: pkg.version ?? '0.0.0', exports: pkg.exports, main: pkg.main, installed: dir.split(sep).includes('node_modules') };
  } catch {
    const parent = dirname(dir);
    info = parent === dir ? null : packageOf(parent);
  }
  packageCache.set(dir, info);
  return info;
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Finds `node_modules/<name>` from `fromDir` upwards, like Node does; returns its real folder. */
function findInstalled(name: string, fromDir: string): string | null {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    try {
      if (statSync(join(candidate, 'package.json')).isFile()) return realpathSync(candidate);
    } catch {
      /* not here: keep walking up */
    }
    if (dirname(dir) === dir) return null;
  }
}

function exportTarget(exp: unknown, subpath: string): string | undefined {
  if (exp === undefined || exp === null) return undefined;
  if (typeof exp === 'string') return subpath === '.' ? exp : undefined;
  const map = exp as Record<string, unknown>;
  const entry = Object.keys(map).some((k) => k.startsWith('.')) ? map[subpath] : subpath === '.' ? map : undefined;
  const pick = (e: unknown): string | undefined => {
    if (typeof e === 'string') return e;
    if (e && typeof e === 'object') {
      const c = e as Record<string, unknown>;
      return pick(c['import'] ?? c['node'] ?? c['default']);
    }
    return undefined;
  };
  return pick(entry);
}

function resolveRelative(spec: string, fromFile: string): string | null {
  const base = resolve(dirname(fromFile), spec);
  for (const candidate of [base, `${base}.js`, `${base}.mjs`, join(base, 'index.js')]) {
    try {
      if (statSync(candidate).isFile()) return realpathSync(candidate);
    } catch {
      /* try the next form */
    }
  }
  return null;
}

export function codeClosure(entryUrl: string): CodeClosure {
  const entry = realpathSync(fileURLToPath(entryUrl));
  const files: Record<string, string> = {};
  const packages: Record<string, string> = {};
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    const pkg = packageOf(dirname(file));
    const label = pkg ? `${pkg.name}/${relative(pkg.root, file).split(sep).join('/')}` : relative(process.cwd(), file);
    files[label] = sha256(text);
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2]!;
      if (spec.startsWith('node:') || builtins.has(spec)) continue;
      if (spec.startsWith('.') || spec.startsWith('/')) {
        const target = resolveRelative(spec, file);
        if (target) queue.push(target);
        continue;
      }
      const name = packageName(spec);
      const root = findInstalled(name, dirname(file));
      const info = root ? packageOf(root) : null;
      if (!info) {
        packages[name] = 'missing';
        continue;
      }
      if (info.installed) {
        packages[name] = info.version;
        continue;
      }
      // A workspace package: its code is ours, so follow it.
      const subpath = spec === name ? '.' : `.${spec.slice(name.length)}`;
      const target = exportTarget(info.exports, subpath) ?? (subpath === '.' ? (info.main ?? 'index.js') : subpath);
      const resolved = resolveRelative(`./${target.replace(/^\.\//, '')}`, join(info.root, 'package.json'));
      if (resolved) queue.push(resolved);
    }
  }
  const sortedFiles = Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)));
  const sortedPackages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { hash: sha256(JSON.stringify(sortedFiles)), files: sortedFiles, packages: sortedPackages };
}
