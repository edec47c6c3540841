import type { IncomingMessage } from 'node:http';
import { createGunzip, createInflate, type Gunzip, type Inflate } from 'node:zlib';

/** Why a body could not be read; `status` is the HTTP answer. */
export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads a request body, inflating gzip or deflate on the fly, and stops as soon as either the bytes
 * on the wire or the inflated bytes pass `limit` (a small gzip bomb never gets inflated in full).
 * Chunked bodies without Content-Length are counted the same way.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
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
      size += chunk.length;
      if (size > limit) {
        fail(new BodyError(413, `request body is over max_request_body_size (${limit} bytes)${inflater ? ' once decompressed' : ''}`));
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
