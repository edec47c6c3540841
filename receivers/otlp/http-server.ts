import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { SELF_TELEMETRY_HEADER } from '../../src/telemetry/marker.ts';
import type { OwnSpan } from '../../src/telemetry/own-span.ts';
import type { CreateSettings } from '../../src/component/component.ts';
import type { ConsumerError } from '../../src/consumer/errors.ts';
import { DecodeTurns, overloadMessage } from '../../src/listener/admission.ts';
import { BytesInFlight } from '../../src/listener/bytes-in-flight.ts';
import { openHttpListener, type HttpListener } from '../../src/listener/http-handover.ts';
import { refuseUnauthorized } from '../../src/listener/http-listener.ts';
import { lingerOnClose } from '../../src/listener/linger.ts';
import { drained } from '../../src/listener/relay.ts';
import { loadListenerSecurity, type ListenerSecurity } from '../../src/listener/secrets.ts';
import type { OtlpHttpConfig } from './config.ts';
import { encodeExportResponseJson, encodeExportResponseProto, encodeStatusJson, encodeStatusProto } from '../../src/otlp/decode/index.ts';
import { BodyError, readBody } from './http-body.ts';
import { exportBody, type SignalRoute } from './pipeline-call.ts';

type Encoding = 'proto' | 'json';

const CONTENT_TYPE: Record<Encoding, string> = { proto: 'application/x-protobuf', json: 'application/json' };

/** The `reason` label of a request refused while its body was read. */
const BODY_ERROR_REASON: Record<Exclude<BodyError['status'], 429>, string> = { 400: 'malformed', 413: 'too_large', 415: 'unsupported_media_type' };

/** gRPC status codes used in google.rpc.Status bodies. */
const INVALID_ARGUMENT = 3;
const UNAVAILABLE = 14;
const RESOURCE_EXHAUSTED = 8;
const UNAUTHENTICATED = 16;

/**
 * OTLP/HTTP (`/v1/metrics`, `/v1/traces`, `/v1/logs`), answering as the OTLP spec says: 200 with
 * `partial_success` when some items were unusable, 400 for a malformed body, 413 over the size limit,
 * 415 for an unknown content type, and for backpressure 429 (a full queue: come back later) or 503
 * (the gateway is unavailable, e.g. shutting down), both with Retry-After.
 */
export class OtlpHttpServer {
  private listener: HttpListener | undefined;
  private readonly routes = new Map<string, SignalRoute>();
  private security: ListenerSecurity = { auth: undefined, tls: undefined };
  /** Requests being handled now, against max_concurrent_requests. */
  private inFlight = 0;
  private readonly turns: DecodeTurns;
  private readonly bytes: BytesInFlight;

  constructor(
    private readonly config: OtlpHttpConfig,
    routes: SignalRoute[],
    private readonly settings: CreateSettings,
  ) {
    const paths = { metrics: config.metrics_url_path, traces: config.traces_url_path, logs: config.logs_url_path };
    for (const r of routes) this.routes.set(paths[r.signal], r);
    this.turns = new DecodeTurns(config.max_queue_delay);
    this.bytes = new BytesInFlight(config.max_request_bytes_in_flight);
  }

  /**
   * Listens, or takes `adopted` (a reload) when it was bound with this endpoint and kind of TLS: its
   * socket never closes, and the requests it held meanwhile come here.
   */
  async start(adopted?: HttpListener): Promise<string> {
    this.security = loadListenerSecurity(this.config, ['protocols', 'http']);
    const c = this.config;
    const timeouts = {
      headersTimeout: c.read_header_timeout,
      requestTimeout: Math.max(c.read_timeout, c.read_header_timeout),
      keepAliveTimeout: 5_000,
      // How often Node looks for connections past those timeouts (its default, 30 s, would let a
      // client trickling a byte a second hold its socket for half a minute past the limit).
      connectionsCheckingInterval: Math.max(100, Math.min(c.read_header_timeout, c.read_timeout) / 4),
    };
    const refuseHeld = (req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      res.writeHead(503, { 'Retry-After': '1', 'Content-Type': CONTENT_TYPE.json, Connection: 'close' });
      res.end(encodeStatusJson(UNAVAILABLE, 'the receiver stopped (a reload or a shutdown); retry'));
    };
    const setup = (server: Server) => server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => answerClientError(error, socket));
    this.listener = await openHttpListener({ endpoint: c.endpoint, tls: this.security.tls, options: timeouts, path: ['protocols', 'http', 'endpoint'], refuseHeld, setup }, this.onRequest, adopted);
    return this.listener.address;
  }

  async shutdown(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    await listener?.close();
  }

  /** Stops taking requests but leaves the socket bound, for the next receiver (see Component.handOver). */
  async handOver(): Promise<HttpListener | undefined> {
    const listener = this.listener;
    this.listener = undefined;
    listener?.relay.detach();
    await drained(() => this.inFlight);
    return listener;
  }

  private readonly onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const route = this.routes.get((req.url ?? '/').split('?')[0]!);
    const span = route && this.span(req, route);
    const timer = route && this.settings.telemetry.requestTimer(route.signal, 'http');
    this.handle(req, res)
      .catch((error: unknown) => {
        this.settings.logger.error({ err: error }, 'OTLP/HTTP request failed unexpectedly.');
        if (!res.headersSent) this.fail(res, 'json', 500, UNAVAILABLE, 'internal error');
      })
      .finally(() => {
        timer?.end();
        span?.end(res.statusCode >= 400 ? { reason: `http_${res.statusCode}`, message: res.statusMessage || `answered ${res.statusCode}` } : undefined);
      });
  };

  /**
   * The gateway's own span for a request to a signal's path; none for the gateway's own telemetry
   * (marked by its exporters), or sending its own spans would make the next ones without end.
   */
  private span(req: IncomingMessage, route: SignalRoute): OwnSpan | undefined {
    if (req.headers[SELF_TELEMETRY_HEADER] !== undefined) return undefined;
    return this.settings.telemetry.span(`receive ${route.signal}`, 'server', route.signal);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = this.routes.get(path);
    const encoding = encodingOf(req.headers['content-type']);
    const answerAs = encoding ?? 'json';
    if (!route) return this.fail(res, answerAs, 404, INVALID_ARGUMENT, `no OTLP signal is served at ${path}`, req);
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return this.fail(res, answerAs, 405, INVALID_ARGUMENT, `${req.method} is not allowed; OTLP/HTTP uses POST`, req);
    }
    const authRefusal = refuseUnauthorized(this.security.auth, req, res, encodeStatusJson(UNAUTHENTICATED, 'a bearer token is required: Authorization: Bearer <token>'), CONTENT_TYPE.json);
    if (authRefusal) return this.settings.telemetry.refusedRequest(route.signal, 'http', authRefusal);
    if (this.shed(res, route, answerAs, !this.turns.overloaded(), req)) return;
    // `--workers N`: the process is over a memory limiter's soft limit; refused as the pipelines would, unread.
    const refusal = route.refusal?.();
    if (refusal) {
      this.settings.telemetry.refusedRequest(route.signal, 'http', 'memory_limit');
      return this.refuse(res, answerAs, refusal, req);
    }
    if (this.inFlight >= this.config.max_concurrent_requests) {
      this.settings.telemetry.refusedRequest(route.signal, 'http', 'too_many_requests');
      res.setHeader('Retry-After', '1');
      return this.fail(res, answerAs, 429, RESOURCE_EXHAUSTED, `over max_concurrent_requests (${this.config.max_concurrent_requests}); retry later`, req);
    }
    if (this.bytes.refuses(Number(req.headers['content-length']) || 0)) return this.tooManyBytes(req, res, route, answerAs);
    this.inFlight++;
    try {
      await this.handleAdmitted(req, res, route, encoding);
    } finally {
      this.inFlight--;
    }
  }

  private async handleAdmitted(req: IncomingMessage, res: ServerResponse, route: SignalRoute, encoding: Encoding | undefined): Promise<void> {
    if (!encoding) {
      this.settings.telemetry.refusedRequest(route.signal, 'http', 'unsupported_media_type');
      return this.fail(res, 'json', 415, INVALID_ARGUMENT, `unsupported Content-Type "${req.headers['content-type'] ?? ''}"; use application/x-protobuf or application/json`, req);
    }
    // The body's bytes count against max_request_bytes_in_flight as they arrive (a chunked body has
    // no Content-Length to check before), and stay counted until the request is answered.
    let held = 0;
    const hold = {
      take: (size: number) => {
        if (!this.bytes.grow(held, size)) return false;
        held += size;
        return true;
      },
      message: () => this.bytes.message(),
    };
    try {
      let body: Buffer;
      try {
        body = await readBody(req, this.config.max_request_body_size, hold);
      } catch (error) {
        if (!(error instanceof BodyError)) throw error;
        // Over the size limit, the rest is not kept: the socket closes once the answer is written (a
        // client may send without end), lingering (read and dropped, bounded) so that a client still
        // sending gets the 413, not a reset. Other refused bodies are read to their end and dropped, the
        // connection kept: closing a socket with unread data resets it, and the client loses the answer
        // (a 429 it would have retried after Retry-After becomes ECONNRESET). read_timeout bounds that.
        if (error.status === 413) {
          res.setHeader('Connection', 'close');
          lingerOnClose(req.socket);
        }
        if (error.status === 429) return this.tooManyBytes(undefined, res, route, encoding);
        this.settings.telemetry.refusedRequest(route.signal, 'http', BODY_ERROR_REASON[error.status]);
        return this.fail(res, encoding, error.status, INVALID_ARGUMENT, error.message);
      }
      await this.exportRead(res, route, body, encoding);
    } finally {
      // The count taken as the body arrived, not body.length: with `--workers N` the buffer is moved to a
      // worker thread and reads 0 bytes by now.
      this.bytes.release(held);
    }
  }

  /** 429 + Retry-After: over max_request_bytes_in_flight (`req` when its body is still unread). */
  private tooManyBytes(req: IncomingMessage | undefined, res: ServerResponse, route: SignalRoute, encoding: Encoding): void {
    this.settings.telemetry.refusedRequest(route.signal, 'http', 'too_many_bytes_in_flight');
    res.setHeader('Retry-After', '1');
    this.fail(res, encoding, 429, RESOURCE_EXHAUSTED, this.bytes.message(), req);
  }

  private async exportRead(res: ServerResponse, route: SignalRoute, body: Buffer, encoding: Encoding): Promise<void> {
    if (this.shed(res, route, encoding, await this.turns.take())) return;
    const outcome = await exportBody(route, body, encoding, 'http', this.settings.telemetry, this.config);
    if (outcome.kind === 'malformed') return this.fail(res, encoding, 400, INVALID_ARGUMENT, outcome.message);
    if (outcome.kind === 'refused') return this.refuse(res, encoding, outcome.error);
    if (outcome.kind === 'too_many') return this.fail(res, encoding, 413, INVALID_ARGUMENT, outcome.message);
    const partial = outcome.rejected > 0 ? { rejected: outcome.rejected, message: outcome.message ?? '', signal: route.signal } : undefined;
    res.writeHead(200, { 'Content-Type': CONTENT_TYPE[encoding] });
    res.end(encoding === 'proto' ? encodeExportResponseProto(partial) : encodeExportResponseJson(partial));
  }

  /** Answers 503 with Retry-After unless the request was `admitted` (see DecodeTurns); whether it did. */
  private shed(res: ServerResponse, route: SignalRoute, encoding: Encoding, admitted: boolean, req?: IncomingMessage): boolean {
    if (admitted) return false;
    const overload = overloadMessage(this.config.max_queue_delay);
    this.settings.telemetry.refusedRequest(route.signal, 'http', 'overloaded');
    res.setHeader('Retry-After', '1');
    this.fail(res, encoding, 503, UNAVAILABLE, overload, req);
    return true;
  }

  /** The pipelines' refusal: 400 for good, else 429 (with a retry delay: a full queue) or 503 with Retry-After. `req` when its body is still unread. */
  private refuse(res: ServerResponse, encoding: Encoding, error: ConsumerError, req?: IncomingMessage): void {
    if (!error.retryable) return this.fail(res, encoding, 400, INVALID_ARGUMENT, error.message, req);
    const backpressure = error.retryAfterMs !== undefined;
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil((error.retryAfterMs ?? 5000) / 1000))));
    this.fail(res, encoding, backpressure ? 429 : 503, backpressure ? RESOURCE_EXHAUSTED : UNAVAILABLE, error.message, req);
  }

  /** An error answer: a google.rpc.Status in the request's encoding. Unread bodies are drained. */
  private fail(res: ServerResponse, encoding: Encoding, status: number, code: number, message: string, req?: IncomingMessage): void {
    req?.resume();
    res.writeHead(status, { 'Content-Type': CONTENT_TYPE[encoding] });
    res.end(encoding === 'proto' ? encodeStatusProto(code, message) : encodeStatusJson(code, message));
  }
}

/**
 * A request Node's parser refused or timed out: 408 for a client too slow with its headers or body
 * (read_header_timeout, read_timeout), 431 for oversized headers, else 400; then the socket is closed.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (socket.writable && !socket.destroyed) {
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }
  socket.destroy();
}

function encodingOf(contentType: string | undefined): Encoding | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'proto';
  if (type === 'application/json') return 'json';
  return undefined;
}
