import { closeSync, fsyncSync, openSync, renameSync, statSync, writeSync, existsSync, rmSync } from 'node:fs';

/** Where lines go. A chunk is always whole lines and is written with one call, so lines never interleave. */
export interface LineSink {
  write(chunk: string): void;
  close(): void;
}

/** stdout or stderr: one synchronous write per chunk. */
export function streamSink(fd: 1 | 2): LineSink {
  return {
    write: (chunk) => void writeSync(fd, chunk),
    close: () => undefined,
  };
}

/**
 * A file of JSON lines that rotates by size: before a chunk would take it past `maxBytes`, `file` becomes
 * `file.1` (`file.1` → `file.2` …, the oldest beyond `maxFiles` deleted) and a new file starts. Rotation
 * happens only between chunks, so no line is ever split across files.
 */
export class RotatingFileSink implements LineSink {
  private fd: number;
  private size: number;

  constructor(
    private readonly path: string,
    private readonly maxBytes: number,
    private readonly maxFiles: number,
  ) {
    this.fd = openSync(path, 'a');
    this.size = statSync(path).size;
  }

  write(chunk: string): void {
    const bytes = Buffer.byteLength(chunk);
    if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate();
    writeSync(this.fd, chunk);
    this.size += bytes;
  }

  close(): void {
    fsyncSync(this.fd);
    closeSync(this.fd);
  }

  private rotate(): void {
    closeSync(this.fd);
    const oldest = `${this.path}.${this.maxFiles}`;
    if (existsSync(oldest)) rmSync(oldest);
    for (let i = this.maxFiles - 1; i >= 1; i--) {
      if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    }
    renameSync(this.path, `${this.path}.1`);
    this.fd = openSync(this.path, 'a');
    this.size = 0;
  }
}
