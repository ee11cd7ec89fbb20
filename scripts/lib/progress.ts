/**
 * Progress output: on a terminal, one live line rewritten in place with a bar; elsewhere (CI, pipes,
 * log files) plain lines, one per update, that read well in a log.
 */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): boolean;
}

export interface ProgressOptions {
  stream?: ProgressStream;
  /** Force the mode; by default it follows `stream.isTTY`. */
  live?: boolean;
  /** Say nothing at all (tests). */
  silent?: boolean;
}

const BAR_WIDTH = 24;

export function progressBar(done: number, total: number, width = BAR_WIDTH): string {
  const fraction = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const filled = Math.round(fraction * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

export class Progress {
  private readonly stream: ProgressStream;
  private readonly live: boolean;
  private readonly silent: boolean;
  private lineOpen = false;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
    options: ProgressOptions = {},
  ) {
    this.stream = options.stream ?? process.stdout;
    this.live = options.live ?? this.stream.isTTY === true;
    this.silent = options.silent ?? false;
  }

  /** Reports that `done` of `total` steps are complete, with a short status text. */
  update(done: number, status: string): void {
    if (this.silent) return;
    const elapsed = ((Date.now() - this.started) / 1000).toFixed(1);
    const counter = `${String(done).padStart(String(this.total).length)}/${this.total}`;
    if (this.live) {
      const width = this.stream.columns ?? 100;
      const line = `${this.label} ${progressBar(done, this.total)} ${counter} ${elapsed}s ${status}`;
      this.stream.write(`\r\x1b[2K${line.slice(0, Math.max(20, width - 1))}`);
      this.lineOpen = true;
    } else {
      this.stream.write(`${this.label} ${counter} ${status}\n`);
    }
  }

  /** Prints a message on its own line without losing the live line. */
  log(message: string): void {
    if (this.silent) return;
    if (this.live && this.lineOpen) this.stream.write("\r\x1b[2K");
    this.stream.write(`${message}\n`);
    this.lineOpen = false;
  }

  /** Closes the live line. */
  finish(message?: string): void {
    if (this.silent) return;
    if (this.live && this.lineOpen) this.stream.write(message ? `\r\x1b[2K${message}\n` : "\n");
    else if (message) this.stream.write(`${message}\n`);
    this.lineOpen = false;
  }
}
