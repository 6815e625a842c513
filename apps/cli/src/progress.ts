import type { PlannedStage, RunObserver, StageEvent } from '@transfusion/pipeline';

interface Live {
  started: number;
  line: string;
  waiting: boolean;
}

function fmtSeconds(s: number): string {
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

const MARK: Record<StageEvent['status'], string> = { cached: '·', ran: '✓', failed: '✗' };

/**
 * Progress on stderr: on a terminal, finished stages scroll above a live block that shows every running stage
 * with its elapsed time and latest log line; elsewhere (CI, pipes), one plain line per event.
 */
export function progressDisplay(
  stream: NodeJS.WriteStream = process.stderr,
  tty = Boolean(stream.isTTY),
): RunObserver & { close(): void } {
  let total = 0;
  let done = 0;
  const live = new Map<string, Live>();
  let drawnLines = 0;
  let timer: NodeJS.Timeout | undefined;
  const width = (): number => Math.max(40, (stream.columns ?? 100) - 1);
  const clip = (s: string): string => (s.length > width() ? `${s.slice(0, width() - 1)}…` : s);

  const redraw = (permanent: string[] = []): void => {
    if (!tty) {
      for (const line of permanent) stream.write(`${line}\n`);
      return;
    }
    let out = drawnLines > 0 ? `\x1b[${drawnLines}A\x1b[J` : '';
    for (const line of permanent) out += `${clip(line)}\n`;
    const block = [`[${done}/${total}] ${live.size} running`];
    const now = performance.now();
    for (const [id, l] of live) {
      block.push(
        `  ${l.waiting ? '…' : '▸'} ${id}  ${fmtSeconds((now - l.started) / 1000)}${l.waiting ? '  waiting for another run' : ''}${l.line ? `  ${l.line}` : ''}`,
      );
    }
    out += `${block.map(clip).join('\n')}\n`;
    drawnLines = block.length;
    stream.write(out);
  };

  return {
    plan(stages: readonly PlannedStage[]) {
      total = stages.length;
      if (tty) timer = setInterval(() => redraw(), 250);
      timer?.unref();
    },
    started(stage) {
      live.set(stage, { started: performance.now(), line: '', waiting: false });
      if (!tty) redraw([`[${done}/${total}] start   ${stage}`]);
    },
    waiting(stage) {
      live.set(stage, { started: performance.now(), line: '', waiting: true });
      if (!tty) redraw([`[${done}/${total}] wait    ${stage} (another run holds its lock)`]);
    },
    line(stage, line) {
      const l = live.get(stage);
      if (l) l.line = line.trim();
    },
    finished(event) {
      done++;
      live.delete(event.stage);
      const lines = [
        `[${done}/${total}] ${MARK[event.status]} ${event.status.padEnd(6)} ${event.stage}  ${fmtSeconds(event.seconds)}`,
      ];
      if (event.error) lines.push(...event.error.split('\n').map((l) => `      ${l}`));
      redraw(lines);
    },
    close() {
      clearInterval(timer);
      if (tty && drawnLines > 0) stream.write(`\x1b[${drawnLines}A\x1b[J`);
      drawnLines = 0;
    },
  };
}
