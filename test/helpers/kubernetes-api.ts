import { mkdirSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Status, WatchEvent } from '@kubernetes-models/apimachinery/apis/meta/v1';
import { EndpointSlice, EndpointSliceList } from 'kubernetes-models/discovery.k8s.io/v1';
import { makeTestCa } from './test-ca.ts';

/*
 * A stand-in for the Kubernetes API server, serving only what `resolver.k8s` asks: the list and the
 * watch of `discovery.k8s.io/v1` EndpointSlices selected by `kubernetes.io/service-name`, over HTTPS,
 * to a bearer token. It is trustworthy only as far as its answers are the real API's: every list and
 * every watch event is validated, before it is sent, against the Kubernetes OpenAPI schemas as the npm
 * package `kubernetes-models` compiles them (the validator test/deploy/kubernetes.test.ts uses), and a
 * request that is not the documented one (path, labelSelector, token) fails the test.
 */

export interface SliceEndpoint {
  addresses: string[];
  ready?: boolean;
}

export interface KubernetesApiStandIn {
  /** `KUBERNETES_SERVICE_HOST` / `_PORT` and the service account directory, for the gateway's environment. */
  env: NodeJS.ProcessEnv;
  /** Every request path (with query) received. */
  requests: string[];
  /** Requests refused (a wrong path, selector or token), with why. */
  refused: string[];
  /** Creates or replaces a slice of the Service (a watch sees ADDED or MODIFIED). */
  setSlice(name: string, endpoints: SliceEndpoint[]): void;
  deleteSlice(name: string): void;
  /** Ends every open watch with a 410 Gone ERROR event, as the API does when a resourceVersion is too old. */
  expireWatches(): void;
  close(): Promise<void>;
}

const TOKEN = 'stand-in-service-account-token';

export async function startKubernetesApi(dir: string, service: { name: string; namespace: string }): Promise<KubernetesApiStandIn> {
  mkdirSync(join(dir, 'api-ca'), { recursive: true });
  const ca = makeTestCa(join(dir, 'api-ca'));
  const saDir = join(dir, 'serviceaccount');
  mkdirSync(saDir, { recursive: true });
  writeFileSync(join(saDir, 'token'), `${TOKEN}\n`);
  writeFileSync(join(saDir, 'ca.crt'), ca.read(ca.caCert));
  writeFileSync(join(saDir, 'namespace'), service.namespace);

  let version = 100;
  const slices = new Map<string, Record<string, unknown>>();
  const watchers = new Set<ServerResponse>();
  const requests: string[] = [];
  const refused: string[] = [];

  const sliceObject = (name: string, endpoints: SliceEndpoint[]) => {
    const slice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name, namespace: service.namespace, resourceVersion: String(++version), labels: { 'kubernetes.io/service-name': service.name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
      addressType: 'IPv4',
      endpoints: endpoints.map((e) => ({ addresses: e.addresses, conditions: { ready: e.ready ?? true, serving: e.ready ?? true, terminating: false } })),
      ports: [{ name: 'otlp-http', port: 4318, protocol: 'TCP' }],
    };
    return slice;
  };

  const emit = (type: string, object: Record<string, unknown>) => {
    const event = { type, object };
    new WatchEvent(event as never).validate();
    if (type === 'ERROR') new Status(object as never).validate();
    else new EndpointSlice(object as never).validate();
    for (const res of watchers) res.write(`${JSON.stringify(event)}\n`);
  };

  const refuse = (res: ServerResponse, code: number, why: string) => {
    refused.push(why);
    const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: why, reason: code === 401 ? 'Unauthorized' : 'NotFound', code };
    new Status(status as never).validate();
    res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(status));
  };

  const server: Server = createServer({ cert: ca.read(ca.serverCert), key: ca.read(ca.serverKey) }, (req, res) => {
    requests.push(req.url!);
    const url = new URL(req.url!, 'https://api');
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return refuse(res, 401, `token: ${req.headers.authorization}`);
    if (req.method !== 'GET' || url.pathname !== `/apis/discovery.k8s.io/v1/namespaces/${service.namespace}/endpointslices`) return refuse(res, 404, `path: ${req.method} ${url.pathname}`);
    if (url.searchParams.get('labelSelector') !== `kubernetes.io/service-name=${service.name}`) return refuse(res, 404, `labelSelector: ${url.searchParams.get('labelSelector')}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    if (url.searchParams.get('watch') === '1' || url.searchParams.get('watch') === 'true') {
      // Events after the list's resourceVersion only: nothing changes between a list and its watch here.
      watchers.add(res);
      res.on('close', () => watchers.delete(res));
      return;
    }
    const list = { kind: 'EndpointSliceList', apiVersion: 'discovery.k8s.io/v1', metadata: { resourceVersion: String(version) }, items: [...slices.values()] };
    new EndpointSliceList(list as never).validate();
    res.end(JSON.stringify(list));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(port), SWITCHYARD_K8S_SERVICEACCOUNT_DIR: saDir },
    requests,
    refused,
    setSlice(name, endpoints) {
      const type = slices.has(name) ? 'MODIFIED' : 'ADDED';
      const slice = sliceObject(name, endpoints);
      slices.set(name, slice);
      emit(type, slice);
    },
    deleteSlice(name) {
      const slice = slices.get(name);
      if (!slice) return;
      slices.delete(name);
      emit('DELETED', { ...slice, metadata: { ...(slice.metadata as object), resourceVersion: String(++version) } });
    },
    expireWatches() {
      emit('ERROR', { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version', reason: 'Expired', code: 410 });
      for (const res of watchers) res.end();
      watchers.clear();
    },
    async close() {
      for (const res of watchers) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
