/**
 * A one-line progress bar on stderr when it is a terminal; silent otherwise (logs and
 * pipes stay clean).
 */
export class ProgressBar {
  private done = 0;
  private readonly enabled: boolean;
  constructor(
    private readonly total: number,
    private readonly label: string,
    stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.enabled = stream.isTTY === true && total > 0;
    this.stream = stream;
  }
  private readonly stream: NodeJS.WriteStream;

  tick(note = ''): void {
    this.done++;
    if (!this.enabled) return;
    const width = 30;
    const filled = Math.round((this.done / this.total) * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    this.stream.write(`\r${this.label} ${bar} ${this.done}/${this.total} ${note.slice(0, 30).padEnd(30)}`);
  }

  finish(): void {
    if (this.enabled) this.stream.write('\r\x1b[2K');
  }
}
