import { readFileSync, realpathSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';

/**
 * Where an import specifier leads, the way Node resolves it for the code closure: a file of ours (relative, or
 * inside a workspace package), an installed package (known by its version), or nothing to hash (a builtin).
 */
export type ImportTarget =
  | { kind: 'file'; file: string }
  | { kind: 'package'; name: string; version: string }
  | { kind: 'none' };

export interface PackageInfo {
  root: string;
  name: string;
  version: string;
  exports: unknown;
  main?: string;
  /** Installed under node_modules (a third-party package), as opposed to a workspace package whose code is ours. */
  installed: boolean;
}

const builtins = new Set(builtinModules);
const packageCache = new Map<string, PackageInfo | null>();

/** The package a folder belongs to: the nearest package.json with a name, from `dir` upwards. */
export function packageOf(dir: string): PackageInfo | null {
  if (packageCache.has(dir)) return packageCache.get(dir)!;
  let info: PackageInfo | null = null;
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name?: string;
      version?: string;
      exports?: unknown;
      main?: string;
    };
    if (pkg.name)
      info = {
        root: dir,
        name: pkg.name,
        version: pkg.version ?? '0.0.0',
        exports: pkg.exports,
        main: pkg.main,
        installed: dir.split(sep).includes('node_modules'),
      };
  } catch {
    const parent = dirname(dir);
    info = parent === dir ? null : packageOf(parent);
  }
  packageCache.set(dir, info);
  return info;
}

export function resolveImport(spec: string, fromFile: string): ImportTarget {
  if (spec.startsWith('node:') || builtins.has(spec)) return { kind: 'none' };
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const file = resolveRelative(spec, fromFile);
    // An import that resolves to nothing would fail when the module loads, so there is no code to hash for it.
    return file ? { kind: 'file', file } : { kind: 'none' };
  }
  const name = packageName(spec);
  const root = findInstalled(name, dirname(fromFile));
  const info = root ? packageOf(root) : null;
  if (!info) return { kind: 'package', name, version: 'missing' };
  if (info.installed) return { kind: 'package', name, version: info.version };
  // A workspace package: its code is ours, so the closure follows it into the file its exports map names.
  const subpath = spec === name ? '.' : `.${spec.slice(name.length)}`;
  const target = exportTarget(info.exports, subpath) ?? (subpath === '.' ? (info.main ?? 'index.js') : subpath);
  const file = resolveRelative(`./${target.replace(/^\.\//, '')}`, join(info.root, 'package.json'));
  return file ? { kind: 'file', file } : { kind: 'none' };
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

const TS_FILE = /\.[cm]?ts$/;

/**
 * The file a relative specifier names. From a TypeScript source (a stage loaded from src/ by vitest or Node's
 * type stripping) `./x.js` means `./x.ts`, as TypeScript's NodeNext resolution has it.
 */
function resolveRelative(spec: string, fromFile: string): string | null {
  const base = resolve(dirname(fromFile), spec);
  const candidates = [base, `${base}.js`, `${base}.mjs`, join(base, 'index.js')];
  if (TS_FILE.test(fromFile))
    candidates.push(
      base
        .replace(/\.js$/, '.ts')
        .replace(/\.mjs$/, '.mts')
        .replace(/\.cjs$/, '.cts'),
      `${base}.ts`,
      join(base, 'index.ts'),
    );
  for (const candidate of candidates) {
    try {
      if (statSync(candidate).isFile()) return realpathSync(candidate);
    } catch {
      /* try the next form */
    }
  }
  return null;
}
