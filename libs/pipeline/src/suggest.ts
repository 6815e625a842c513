/** Edit distance (Damerau–Levenshtein, optimal string alignment: an adjacent swap counts as one edit). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The known names closest to `name`: within a third of its length in edits (at least 1, at most 3; names shorter than
 * 3 characters only by case), or equal ignoring case, closest first, at most `max`.
 */
export function closest(name: string, known: Iterable<string>, max = 3): string[] {
  const limit = name.length < 3 ? 0 : Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  const scored: [string, number][] = [];
  for (const k of new Set(known)) {
    if (k === name) continue;
    const dist = k.toLowerCase() === name.toLowerCase() ? 0 : editDistance(name, k);
    if (dist <= limit) scored.push([k, dist]);
  }
  return scored
    .sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0]))
    .slice(0, max)
    .map(([k]) => k);
}

/** ` (did you mean X?)` / ` (did you mean X or Y?)` for the closest known names, or '' when none is close. */
export function didYouMean(name: string, known: Iterable<string>): string {
  const c = closest(name, known);
  if (c.length === 0) return '';
  return ` (did you mean ${c.length === 1 ? c[0] : `${c.slice(0, -1).join(', ')} or ${c.at(-1)}`}?)`;
}

/** The keys a zod object schema accepts at `path` (through optional/default/nullable wrappers), for suggestions. */
export function keysAt(schema: unknown, path: readonly PropertyKey[]): string[] {
  // zod's internal `def` differs per schema kind; we only read `shape`, `innerType`, `element` and `valueType`, guarded.
  type Node =
    | { shape?: Record<string, unknown>; def?: { innerType?: unknown; element?: unknown; valueType?: unknown } }
    | undefined;
  const unwrap = (n: Node): Node => {
    for (let i = 0; i < 8 && n && !n.shape && n.def?.innerType; i++) n = n.def.innerType as Node;
    return n;
  };
  let node = unwrap(schema as Node);
  for (const seg of path) {
    if (typeof seg === 'number' && node?.def?.element) node = unwrap(node.def.element as Node);
    else if (!node?.shape && node?.def?.valueType)
      node = unwrap(node.def.valueType as Node); // a record: any key
    else node = unwrap(node?.shape?.[String(seg)] as Node);
  }
  return Object.keys(node?.shape ?? {});
}
