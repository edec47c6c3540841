import type { Socket } from 'node:net';

/** How long a socket answered early is still read after its answer, and how many more bytes at most. */
export const LINGER_MS = 2_000;
export const LINGER_BYTES = 64 * 1024 * 1024;

/**
 * Makes Node's close of `socket` once its answer is sent (`Connection: close`) a lingering close, as
 * nginx's `lingering_close`: the answer, then FIN, then what the client still sends is read and dropped
 * until it stops, for at most LINGER_MS and LINGER_BYTES, and only then is the socket destroyed.
 * Destroyed at once (Node's `destroySoon`), a socket with unread data is reset, and a client still
 * sending its body gets EPIPE/ECONNRESET, its kernel dropping the answer it had not read yet: a 413 for
 * a body over the limit reached it only if it happened to read before its next write.
 */
export function lingerOnClose(socket: Socket): void {
  const s = socket as Socket & { destroySoon?: () => void };
  // Node's HTTP server calls destroySoon after the last answer on the connection (and end() without it).
  if (typeof s.destroySoon !== 'function') return;
  s.destroySoon = () => {
    if (s.destroyed) return;
    const start = s.bytesRead;
    const done = () => {
      clearInterval(watch);
      clearTimeout(timer);
      s.destroy();
    };
    const timer = setTimeout(done, LINGER_MS);
    // The HTTP parser reads the socket itself (no 'data' events): count what came in from the socket's total.
    const watch = setInterval(() => s.bytesRead - start > LINGER_BYTES && done(), 50);
    s.once('end', done); // the client finished sending
    s.once('close', done);
    s.end(); // the answer is written first, then FIN: the client sees the answer and its end
  };
}
