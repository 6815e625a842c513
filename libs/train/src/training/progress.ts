// A one-line progress bar on stderr: steps, steps/s, images/s, ETA and the last metrics. On a TTY the line
// is redrawn in place; otherwise a plain line is written at most every `intervalMs`.
export interface ProgressSink {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface ProgressState {
  step: number;
  totalSteps: number;
  images: number;
  metrics: Record<string, number>;
}

function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(sec).padStart(2, '0')}s`;
}

export function formatProgress(p: ProgressState, elapsedS: number, width = 20): string {
  const frac = p.totalSteps > 0 ? Math.min(1, p.step / p.totalSteps) : 0;
  const filled = Math.round(frac * width);
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
  const sps = elapsedS > 0 ? p.step / elapsedS : 0;
  const ips = elapsedS > 0 ? p.images / elapsedS : 0;
  const eta = sps > 0 ? (p.totalSteps - p.step) / sps : Infinity;
  const metrics = Object.entries(p.metrics)
    .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`)
    .join(' ');
  return `[${bar}] ${p.step}/${p.totalSteps} ${sps.toFixed(2)} steps/s ${ips.toFixed(1)} img/s ETA ${fmtDuration(eta)}${metrics ? ` | ${metrics}` : ''}`;
}

export class ProgressBar {
  private readonly start = performance.now();
  private lastWrite = -Infinity;

  constructor(
    private readonly sink: ProgressSink,
    private readonly intervalMs = 2000,
  ) {}

  update(p: ProgressState, force = false): void {
    const now = performance.now();
    if (!force && !this.sink.isTTY && now - this.lastWrite < this.intervalMs) return;
    if (!force && this.sink.isTTY && now - this.lastWrite < 100) return;
    this.lastWrite = now;
    const line = formatProgress(p, (now - this.start) / 1000);
    this.sink.write(this.sink.isTTY ? `\r\x1b[2K${line}` : `${line}\n`);
  }

  done(p: ProgressState): void {
    this.update(p, true);
    if (this.sink.isTTY) this.sink.write('\n');
  }
}
