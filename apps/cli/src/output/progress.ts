// Transfer progress on stderr for pulls and pushes of large modules: a redrawn bar when stderr is a terminal, a
// few plain lines (every 25 %) otherwise, nothing for small modules or with --no-progress. Never on stdout.
import { formatBytes, type Progress } from '@wasmfleet/oci';

/** Modules smaller than this finish too fast for progress to help. */
export const PROGRESS_MIN_BYTES = 1024 * 1024;
const REDRAW_MS = 100;
const BAR_WIDTH = 20;

export interface ProgressSink {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

export interface TransferProgress {
  onProgress: (p: Progress) => void;
  /** ends the bar's line (call on success and on failure) */
  finish(): void;
}

export function transferProgress(label: string, opts: { enabled?: boolean; sink?: ProgressSink; now?: () => number } = {}): TransferProgress {
  const sink = opts.sink ?? process.stderr;
  const now = opts.now ?? Date.now;
  if (opts.enabled === false) return { onProgress: () => {}, finish: () => {} };
  const tty = Boolean(sink.isTTY);
  let started = 0;
  let lastDraw = 0;
  let lastQuarter = -1;
  let drawn = false;
  let latest: Progress | undefined;
  let latestDrawn = false;

  const draw = (p: Progress) => {
    const fraction = p.bytesTotal > 0 ? Math.min(1, p.bytesDone / p.bytesTotal) : 0;
    const elapsed = Math.max(1, now() - started) / 1000;
    const rate = `${formatBytes(Math.round(p.bytesDone / elapsed))}/s`;
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
    const line = `${label} ${bar} ${String(Math.floor(fraction * 100)).padStart(3)}% ${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)} ${rate}`;
    // a pseudo-terminal may report 0 columns: then do not cut
    const width = sink.columns && sink.columns > 20 ? sink.columns : 1000;
    sink.write(`\r${line.slice(0, width - 1)}\x1b[K`);
    drawn = true;
    latestDrawn = p === latest;
  };

  return {
    onProgress(p) {
      if (p.phase !== 'download' && p.phase !== 'upload') return;
      if (p.bytesTotal < PROGRESS_MIN_BYTES) return;
      if (!started) started = now();
      latest = p;
      latestDrawn = false;
      if (tty) {
        const t = now();
        if (t - lastDraw >= REDRAW_MS || p.bytesDone >= p.bytesTotal) {
          lastDraw = t;
          draw(p);
        }
        return;
      }
      const quarter = Math.floor((p.bytesDone / p.bytesTotal) * 4);
      if (quarter > lastQuarter) {
        lastQuarter = quarter;
        sink.write(`${label}: ${quarter * 25}% of ${formatBytes(p.bytesTotal)}\n`);
      }
    },
    finish() {
      if (tty && drawn) {
        if (latest && !latestDrawn) draw(latest);
        sink.write('\n');
      }
    },
  };
}
