// Keeps the last lines an app wrote, for the cause of a failure.

/** A ring buffer of the last `capacity` lines. */
export class LogRing {
  private readonly lines: string[] = [];

  constructor(private readonly capacity = 50) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
  }

  /** The kept lines, oldest first (a copy). */
  toArray(): string[] {
    return [...this.lines];
  }
}
