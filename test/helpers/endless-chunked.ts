import { request as httpRequest } from 'node:http';

/** What an endless chunked upload saw: the answer, and how many bytes it had written by then and in all. */
export interface EndlessUpload {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Bytes written when the answer's head arrived (the request body had not ended). */
  writtenAtAnswer: number;
  /** Bytes written in all, once the gateway closed the connection. */
  writtenInAll: number;
  /** Whether the gateway closed the connection (the writer did not stop by itself at `cap`). */
  closedByServer: boolean;
}

/**
 * POSTs a chunked body (no Content-Length) that never ends: `chunk`-byte chunks, each written once
 * the last has drained, until the gateway answers and closes the connection, or `cap` bytes. With
 * `endOnAnswer`, the body ends once the answer's head has arrived (a gateway draining the rest).
 */
export function endlessChunkedPost(url: string, headers: Record<string, string>, chunk = 64 * 1024, cap = 256 * 1024 * 1024, endOnAnswer = false): Promise<EndlessUpload> {
  return new Promise((resolve, reject) => {
    let written = 0;
    let answer: Omit<EndlessUpload, 'writtenInAll' | 'closedByServer'> | undefined;
    let stopped = false;
    const req = httpRequest(url, { method: 'POST', headers }, (res) => {
      const a = { status: res.statusCode!, headers: res.headers, text: '', writtenAtAnswer: written };
      answer = a;
      res.setEncoding('latin1');
      res.on('data', (d: string) => (a.text += d));
      res.on('error', () => {});
      if (!endOnAnswer) return;
      stopped = true;
      req.end();
      res.on('end', () => resolve({ ...a, writtenInAll: written, closedByServer: false }));
    });
    const write = () => {
      if (stopped) return;
      if (written >= cap) {
        stopped = true;
        req.destroy();
        return;
      }
      written += chunk;
      if (req.write(Buffer.alloc(chunk, 1))) setImmediate(write);
      else req.once('drain', write);
    };
    // The socket cut mid-upload shows as an error (EPIPE, ECONNRESET) on the request: expected here.
    req.on('error', () => {});
    req.on('close', () => {
      if (endOnAnswer && answer) return;
      const closedByServer = !stopped;
      stopped = true;
      if (!answer) return reject(new Error(`no answer; ${written} bytes written`));
      resolve({ ...answer, writtenInAll: written, closedByServer });
    });
    write();
  });
}
