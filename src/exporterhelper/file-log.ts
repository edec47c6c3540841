import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, ftruncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/**
 * The persistent sending queue's storage: an append-only log of records, each
 * `[u32 length][u32 crc32][payload]`, in segment files `seg-<first seq>.log`, plus `ack` holding the
 * lowest sequence number not yet delivered.
 *
 * Durability: `append` writes and fsyncs before it returns, so a batch the receiver answered 200 for
 * survives a crash or power loss. Delivery is at least once: records at or after the ack pointer are
 * replayed after a restart, and a few already delivered may be sent again (Prometheus ignores an
 * identical sample; it answers 400 for an older one, which is then dropped as delivered).
 * A torn record at the end (a crash mid-write) is cut off and counted, never fatal.
 */
export interface ReplayedRecord {
  seq: number;
  payload: Buffer;
}

const SEGMENT_BYTES = 16 * 1024 * 1024;
const HEADER = 8;

export class FileLog {
  private fd = -1;
  private segmentStart = 0;
  private segmentSize = 0;
  private nextSeq = 0;
  private ackedBelow = 0;
  private readonly done = new Set<number>();

  private constructor(private readonly dir: string) {}

  /** Opens (or creates) the log in `dir` and returns the records still to deliver. */
  static open(dir: string): { log: FileLog; pending: ReplayedRecord[]; tornBytes: number } {
    mkdirSync(dir, { recursive: true });
    const log = new FileLog(dir);
    const ackText = safeRead(join(dir, 'ack'));
    log.ackedBelow = ackText ? Number(ackText) || 0 : 0;
    const pending: ReplayedRecord[] = [];
    let tornBytes = 0;
    const segments = log.segments();
    for (const { start, file } of segments) {
      const buf = readFileSync(file);
      let pos = 0;
      let seq = start;
      while (pos + HEADER <= buf.length) {
        const len = buf.readUInt32LE(pos);
        const sum = buf.readUInt32LE(pos + 4);
        if (pos + HEADER + len > buf.length) break;
        const payload = buf.subarray(pos + HEADER, pos + HEADER + len);
        if (crc32(payload) !== sum) break;
        if (seq >= log.ackedBelow) pending.push({ seq, payload: Buffer.from(payload) });
        pos += HEADER + len;
        seq++;
      }
      if (pos < buf.length) {
        tornBytes += buf.length - pos;
        const fd = openSync(file, 'r+');
        ftruncateSync(fd, pos);
        fsyncSync(fd);
        closeSync(fd);
      }
      log.nextSeq = seq;
    }
    log.nextSeq = Math.max(log.nextSeq, log.ackedBelow);
    const last = segments[segments.length - 1];
    if (last && statSync(last.file).size < SEGMENT_BYTES) {
      log.segmentStart = last.start;
      log.fd = openSync(last.file, 'a');
      log.segmentSize = statSync(last.file).size;
    } else {
      log.startSegment();
    }
    return { log, pending, tornBytes };
  }

  /** Appends and fsyncs one record; returns its sequence number. */
  append(payload: Buffer): number {
    if (this.segmentSize >= SEGMENT_BYTES) this.startSegment();
    const header = Buffer.allocUnsafe(HEADER);
    header.writeUInt32LE(payload.length, 0);
    header.writeUInt32LE(crc32(payload), 4);
    writeSync(this.fd, Buffer.concat([header, payload]));
    fsyncSync(this.fd);
    this.segmentSize += HEADER + payload.length;
    return this.nextSeq++;
  }

  /** Marks a record delivered (or given up on); the ack pointer moves over every finished record. */
  ack(seq: number): void {
    this.done.add(seq);
    const before = this.ackedBelow;
    while (this.done.delete(this.ackedBelow)) this.ackedBelow++;
    if (this.ackedBelow === before) return;
    writeFileSync(join(this.dir, 'ack.tmp'), String(this.ackedBelow));
    renameSync(join(this.dir, 'ack.tmp'), join(this.dir, 'ack'));
    this.dropDeliveredSegments();
  }

  /** Records appended and not yet acknowledged. */
  get backlog(): number {
    return this.nextSeq - this.ackedBelow;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private startSegment(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.segmentStart = this.nextSeq;
    this.fd = openSync(join(this.dir, `seg-${String(this.segmentStart).padStart(12, '0')}.log`), 'a');
    this.segmentSize = 0;
  }

  /** A segment whose records are all delivered is deleted, unless it is the one being written. */
  private dropDeliveredSegments(): void {
    const segments = this.segments();
    for (let i = 0; i + 1 < segments.length; i++) {
      if (segments[i + 1]!.start <= this.ackedBelow && segments[i]!.start !== this.segmentStart) rmSync(segments[i]!.file, { force: true });
    }
  }

  private segments(): { start: number; file: string }[] {
    return readdirSync(this.dir)
      .filter((f) => /^seg-\d+\.log$/.test(f))
      .map((f) => ({ start: Number(f.slice(4, -4)), file: join(this.dir, f) }))
      .sort((a, b) => a.start - b.start);
  }
}

function safeRead(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}
