// The progress line of `simulate`: a bar redrawn in place on a terminal; on a log (not a terminal) one line per 10 %
// step, so logs stay short; nothing without a stream.

/** Characters of the bar between its brackets. */
export const BAR_WIDTH = 30;

export class Progress {
  /** The last 10 % step printed to a log (-1: none yet). */
  private step = -1;
  /** Length of the line last drawn on a terminal, so a shorter one can blank what it leaves behind. */
  private drawn = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream | undefined,
    private readonly total: number,
    private readonly label: string,
  ) {}

  /** `<label> [#####.....] 12/30 <detail>` */
  line(done: number, detail: string): string {
    const clamped = Math.min(Math.max(done, 0), this.total);
    const filled = this.total > 0 ? Math.floor((clamped * BAR_WIDTH) / this.total) : BAR_WIDTH;
    const bar = "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled);
    return `${this.label} [${bar}] ${done}/${this.total}${detail === "" ? "" : " " + detail}`;
  }

  update(done: number, detail: string): void {
    if (this.stream === undefined) return;
    if (this.stream.isTTY) return this.draw(this.stream, this.line(done, detail), "");
    const step = this.total > 0 ? Math.floor((10 * Math.min(done, this.total)) / this.total) : 10;
    if (step <= this.step || done >= this.total) return; // the last step is `finish`'s line
    this.step = step;
    this.stream.write(this.line(done, detail) + "\n");
  }

  finish(detail: string): void {
    if (this.stream === undefined) return;
    if (this.stream.isTTY) return this.draw(this.stream, this.line(this.total, detail), "\n");
    this.stream.write(this.line(this.total, detail) + "\n");
  }

  private draw(stream: NodeJS.WriteStream, line: string, end: string): void {
    stream.write(`\r${line.padEnd(this.drawn)}${end}`);
    this.drawn = end === "" ? line.length : 0;
  }
}
