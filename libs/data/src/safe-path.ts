import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

export type ResolvedPath =
  | { ok: true; path: string }
  | { ok: false; reason: 'path-escape' | 'missing-file'; message: string };

/**
 * Resolves a path from a dataset index against the dataset root and refuses anything that leaves it:
 * absolute paths, `..` segments that climb out, NUL bytes, and symlinks whose target lies outside the root.
 * Missing files are reported as such (not as an escape).
 */
export class DatasetRoot {
  private realRoot: Promise<string>;

  constructor(readonly root: string) {
    this.realRoot = realpath(root).catch(() => path.resolve(root));
  }

  async resolve(relative: string): Promise<ResolvedPath> {
    if (relative.includes('\0')) return { ok: false, reason: 'path-escape', message: 'path contains a NUL byte' };
    if (relative.trim() === '') return { ok: false, reason: 'missing-file', message: 'empty path' };
    if (path.isAbsolute(relative) || path.win32.isAbsolute(relative)) {
      return {
        ok: false,
        reason: 'path-escape',
        message: `absolute path "${relative}" is not allowed; paths must be relative to the dataset root`,
      };
    }
    const rootAbs = path.resolve(this.root);
    const full = path.resolve(rootAbs, relative);
    if (!isInside(rootAbs, full))
      return { ok: false, reason: 'path-escape', message: `"${relative}" escapes the dataset root ${rootAbs}` };
    let real: string;
    try {
      real = await realpath(full);
    } catch {
      return { ok: false, reason: 'missing-file', message: `file not found: ${full}` };
    }
    const realRoot = await this.realRoot;
    if (!isInside(realRoot, real))
      return {
        ok: false,
        reason: 'path-escape',
        message: `"${relative}" is a symlink to ${real}, outside the dataset root`,
      };
    const st = await stat(real);
    if (!st.isFile()) return { ok: false, reason: 'missing-file', message: `not a regular file: ${full}` };
    return { ok: true, path: full };
  }
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
