// How an interval decides a statement. A statement claims that a difference Δ lies on one side of a margin
// (or within ±margin); the verdict is "supported" when the whole interval lies on that side, "contradicted"
// when it lies wholly on the other, and "inconclusive" when it straddles the margin.

export type Verdict = 'supported' | 'contradicted' | 'inconclusive' | 'not testable' | 'not measured';
export const verdicts: readonly Verdict[] = [
  'supported',
  'contradicted',
  'inconclusive',
  'not testable',
  'not measured',
];

/** What the statement says of Δ. */
export type Claim =
  | { kind: 'above'; margin: number }
  | { kind: 'below'; margin: number }
  | { kind: 'within'; margin: number };

export function describeClaim(c: Claim, unit: (x: number) => string = String): string {
  if (c.kind === 'above') return `Δ > ${unit(c.margin)}`;
  if (c.kind === 'below') return `Δ ≤ ${unit(c.margin)}`;
  return `|Δ| ≤ ${unit(c.margin)}`;
}

/** The verdict of one interval [low, high] on a claim. */
export function judge(low: number, high: number, claim: Claim): Exclude<Verdict, 'not testable' | 'not measured'> {
  if (Number.isNaN(low) || Number.isNaN(high)) return 'inconclusive';
  const m = claim.margin;
  switch (claim.kind) {
    case 'above':
      return low > m ? 'supported' : high <= m ? 'contradicted' : 'inconclusive';
    case 'below':
      return high <= m ? 'supported' : low > m ? 'contradicted' : 'inconclusive';
    case 'within':
      return low >= -m && high <= m ? 'supported' : low > m || high < -m ? 'contradicted' : 'inconclusive';
  }
}

/**
 * A statement about every model holds when each testable comparison supports it, fails when any contradicts
 * it, and is inconclusive otherwise; with no testable comparison it is "not testable" (or "not measured" when
 * there was nothing to compare at all).
 */
export function combine(parts: readonly Verdict[]): Verdict {
  if (parts.length === 0) return 'not measured';
  const testable = parts.filter((v) => v !== 'not testable' && v !== 'not measured');
  if (testable.length === 0) return parts.every((v) => v === 'not measured') ? 'not measured' : 'not testable';
  if (testable.includes('contradicted')) return 'contradicted';
  return testable.every((v) => v === 'supported') ? 'supported' : 'inconclusive';
}
