/**
 * `${matrix.KEY}` and `${vars.KEY}` references inside `with` and `needs`. A string that is exactly one
 * reference becomes the referenced value with its type (a number stays a number); references inside longer
 * strings are replaced by their text. `$${` writes a literal `${`.
 */
export interface Scope {
  matrix: Record<string, unknown>;
  vars: Record<string, unknown>;
}

const WHOLE = /^\$\{\s*([A-Za-z_][\w]*(?:\.[\w-]+)*)\s*\}$/;
const ANY = /\$?\$\{\s*([A-Za-z_][\w]*(?:\.[\w-]+)*)\s*\}/g;

export class InterpolationError extends Error {
  constructor(
    readonly path: (string | number)[],
    message: string,
  ) {
    super(message);
  }
}

function lookup(ref: string, scope: Scope, path: (string | number)[]): unknown {
  const [root, ...rest] = ref.split('.');
  if (root !== 'matrix' && root !== 'vars') {
    throw new InterpolationError(path, `unknown reference \${${ref}}: expected \${matrix.NAME} or \${vars.NAME}`);
  }
  let value: unknown = scope[root];
  for (const key of rest) {
    if (value === null || typeof value !== 'object' || !(key in (value as object))) {
      const known = root === 'matrix' ? Object.keys(scope.matrix) : Object.keys(scope.vars);
      throw new InterpolationError(
        path,
        `unknown reference \${${ref}}${root === 'matrix' && known.length === 0 ? ' (this stage has no matrix)' : `; known: ${known.join(', ') || 'none'}`}`,
      );
    }
    value = (value as Record<string, unknown>)[key];
  }
  if (rest.length === 0) throw new InterpolationError(path, `\${${ref}} needs a name: \${${ref}.NAME}`);
  return value;
}

export function interpolate(value: unknown, scope: Scope, path: (string | number)[] = []): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) return lookup(whole[1]!, scope, path);
    return value.replace(ANY, (match, ref: string) => {
      if (match.startsWith('$$')) return match.slice(1);
      const v = lookup(ref, scope, path);
      return typeof v === 'string' ? v : JSON.stringify(v);
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, scope, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, scope, [...path, k])]));
  }
  return value;
}

/** Deep merge for defaults under `with`: mappings merge key by key, anything else is replaced by `over`. */
export function deepMerge(base: unknown, over: unknown): unknown {
  const isMapping = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isMapping(base) || !isMapping(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}
