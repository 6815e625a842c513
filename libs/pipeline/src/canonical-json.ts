/**
 * Canonical JSON (RFC 8785 style): object keys sorted by code unit, no whitespace, numbers as JSON.stringify
 * prints them. Cache keys hash this text, so it must not depend on key insertion order.
 * Non-JSON values (undefined inside arrays, functions, NaN, Infinity, bigint) are rejected rather than
 * silently dropped or turned into null: a param that cannot be written down cannot be part of a key.
 */
export function canonicalJson(value: unknown, path = ''): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${path || 'value'}: ${value} cannot be written as JSON`);
      return JSON.stringify(Object.is(value, -0) ? 0 : value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((v, i) => canonicalJson(v, `${path}[${i}]`)).join(',')}]`;
      }
      if (ArrayBuffer.isView(value)) throw new TypeError(`${path || 'value'}: typed arrays cannot be part of JSON`);
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v, path ? `${path}.${k}` : k)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`${path || 'value'}: a ${typeof value} cannot be written as JSON`);
  }
}
