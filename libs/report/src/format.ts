/** Number formatting shared by tables, figures and findings (AUC shown in percent like the paper). */

export const pct = (x: number, digits = 2): string => (Number.isFinite(x) ? (x * 100).toFixed(digits) : '–');

export const meanStdPct = (m: number, s: number, digits = 2): string =>
  Number.isFinite(s) ? `${pct(m, digits)} ± ${pct(s, digits)}` : pct(m, digits);

export const ciPct = (lo: number, hi: number, digits = 1): string =>
  Number.isFinite(lo) && Number.isFinite(hi) ? `[${pct(lo, digits)}, ${pct(hi, digits)}]` : '–';

/** "51.80 [49.0, 54.6]": a mean in percent with its interval, when there is one. */
export const meanCiPct = (m: number, lo: number, hi: number): string =>
  Number.isFinite(lo) && Number.isFinite(hi) ? `${pct(m)} ${ciPct(lo, hi)}` : pct(m);

/** "0.518 [0.45, 0.58]" on the metric's own scale. */
export const meanCiFixed = (m: number, lo: number, hi: number): string =>
  Number.isFinite(lo) && Number.isFinite(hi) ? `${fixed(m)} [${fixed(lo, 2)}, ${fixed(hi, 2)}]` : fixed(m);

export function count(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(Math.round(n));
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${String(Math.round(seconds - m * 60)).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m % 60).padStart(2, '0')} min`;
}

/** Fixed decimals with a typographic minus; a value that rounds to zero prints without a sign. */
export function fixed(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return '–';
  const s = x.toFixed(digits);
  if (/^-0\.?0*$/.test(s)) return s.slice(1);
  return s.startsWith('-') ? `−${s.slice(1)}` : s;
}

export function steps(n: number | null): string {
  return n === null || !Number.isFinite(n) ? 'not reached' : Math.round(n).toLocaleString('en-US');
}
