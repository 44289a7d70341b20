/**
 * The demo's live status line, fed by Errand events. On a terminal it redraws one line
 * in place; elsewhere (CI logs, a pipe) it prints a fresh line every second instead, so
 * the log stays readable.
 */
export class ProgressLine {
  private completed = 0;
  private retries = 0;
  private dead = 0;
  /** Reports being built, by job id, with their last reported percentage. */
  private readonly reports = new Map<string, number>();
  private readonly startedAt = Date.now();
  private readonly tty: boolean;
  private readonly timer: NodeJS.Timeout | null;
  private lastDraw = 0;
  private resolveFinished: () => void = () => undefined;
  /** Resolves once every expected job has completed or died. */
  readonly finished = new Promise<void>((resolve) => (this.resolveFinished = resolve));

  constructor(
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stdout,
  ) {
    this.tty = out.isTTY === true;
    this.timer = this.tty ? null : setInterval(() => this.out.write(this.text() + "\n"), 1_000);
  }

  /** Counts one event of the kinds the demo listens to. */
  record(type: "completed" | "retrying" | "dead", jobId: string): void {
    if (type === "completed") this.completed += 1;
    else if (type === "dead") this.dead += 1;
    else this.retries += 1;
    if (type !== "retrying") this.reports.delete(jobId);
    this.redraw();
    if (this.completed + this.dead >= this.total) this.resolveFinished();
  }

  /** Notes a report's progress (0..100). */
  progress(jobId: string, percent: number): void {
    this.reports.set(jobId, percent);
    this.redraw();
  }

  /** Draws the final state and stops the timer. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.out.write(this.tty ? `\r${this.fitted()}\x1b[K\n` : `${this.text()}\n`);
  }

  private redraw(): void {
    // Redrawing on every event would spend more time on the terminal than on the jobs.
    const now = Date.now();
    if (!this.tty || now - this.lastDraw < 50) return;
    this.lastDraw = now;
    this.out.write(`\r${this.fitted()}\x1b[K`);
  }

  /** The line cut to the terminal's width: a wrapped line would defeat the \r redraw. */
  private fitted(): string {
    return this.text().slice(0, (this.out.columns || 80) - 1);
  }

  private text(): string {
    const done = this.completed + this.dead;
    const width = 24;
    const filled = Math.round((done / this.total) * width);
    const bar = "#".repeat(filled) + "-".repeat(width - filled);
    const percent = String(Math.floor((done / this.total) * 100)).padStart(3);
    const building = [...this.reports.values()];
    const reports =
      building.length === 0
        ? ""
        : ` | ${building.length} report${building.length === 1 ? "" : "s"} at ${Math.round(average(building))}%`;
    const seconds = ((Date.now() - this.startedAt) / 1000).toFixed(1);
    return (
      `[${bar}] ${percent}% ${done}/${this.total} | ${this.completed} completed | ` +
      `${this.retries} retries | ${this.dead} dead${reports} | ${seconds}s`
    );
  }
}

function average(values: number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}
