import type { IncomingMessage } from 'node:http';
import { createGunzip, createInflate, type Gunzip, type Inflate } from 'node:zlib';

/** Why a body could not be read; `status` is the HTTP answer. */
export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415 | 429,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Takes `size` more bytes of a body into the listener's count of bytes held (max_request_bytes_in_flight),
 * or says no, with why.
 */
export interface BodyHold {
  take(size: number): boolean;
  message(): string;
}

/**
 * Reads a request body, inflating gzip or deflate on the fly, and stops as soon as either the bytes
 * on the wire or the inflated bytes pass `limit` (a small gzip bomb never gets inflated in full), or
 * `hold` refuses the next bytes (429). Chunked bodies without Content-Length are counted the same way,
 * chunk by chunk: one over a limit is refused when its count passes it, not once it has all arrived.
 * After a refusal the rest of the body is read and dropped, never kept (see the caller for when it
 * closes the connection instead).
 */
export function readBody(req: IncomingMessage, limit: number, hold?: BodyHold): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new BodyError(413, `request body of ${declared} bytes is over max_request_body_size (${limit} bytes)`));
  }
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  let inflater: Gunzip | Inflate | undefined;
  if (encoding === 'gzip' || encoding === 'x-gzip') inflater = createGunzip();
  else if (encoding === 'deflate') inflater = createInflate();
  else if (encoding !== 'identity') return Promise.reject(new BodyError(415, `unsupported Content-Encoding "${encoding}"; use gzip, deflate or none`));

  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let raw = 0;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      inflater?.destroy();
      req.unpipe();
      req.resume(); // keep reading so the answer can be sent on this connection
      reject(error);
    };
    const sink = inflater ?? req;
    sink.on('data', (chunk: Buffer) => {
      if (settled) return; // refused: the rest is drained, not kept
      size += chunk.length;
      if (size > limit) {
        fail(new BodyError(413, `request body is over max_request_body_size (${limit} bytes)${inflater ? ' once decompressed' : ''}`));
        return;
      }
      if (hold && !hold.take(chunk.length)) {
        fail(new BodyError(429, hold.message()));
        return;
      }
      chunks.push(chunk);
    });
    sink.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, size));
    });
    // A client that goes away mid-body (aborted, reset) is a refused request, not a gateway fault.
    sink.on('error', (error: Error) => fail(new BodyError(400, inflater ? `invalid ${encoding} body: ${error.message}` : `the body could not be read: ${error.message}`)));
    // A client gone (or cut off by read_timeout) before its body ended: settle, or the handler waits forever.
    req.on('close', () => {
      if (!req.complete) fail(new BodyError(400, 'the client closed the connection before the body ended'));
    });
    if (inflater) {
      req.on('data', (chunk: Buffer) => {
        raw += chunk.length;
        if (raw > limit) fail(new BodyError(413, `request body is over max_request_body_size (${limit} bytes)`));
      });
      req.on('error', (error: Error) => fail(new BodyError(400, `the body could not be read: ${error.message}`)));
      req.pipe(inflater);
    }
  });
}
