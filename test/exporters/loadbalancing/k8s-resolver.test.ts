import { writeFileSync } from 'node:fs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointSlice } from 'kubernetes-models/discovery.k8s.io/v1';
import { loadbalancingConfigSchema } from '../../../exporters/loadbalancing/config.ts';
import { inClusterApi, K8sEndpointsWatcher } from '../../../exporters/loadbalancing/k8s-resolver.ts';
import { startKubernetesApi, type KubernetesApiStandIn } from '../../helpers/kubernetes-api.ts';
import { eventually } from '../../helpers/prometheus-server.ts';
import { tempFiles } from '../../helpers/temp-files.ts';

/*
 * resolver.k8s against a stand-in API server (test/helpers/kubernetes-api.ts) whose every answer is
 * validated against the Kubernetes OpenAPI schemas of EndpointSlice, EndpointSliceList, WatchEvent and Status.
 */
describe('resolver.k8s: the EndpointSlices of a Service', () => {
  const t = tempFiles({});
  let api: KubernetesApiStandIn;
  let watcher: K8sEndpointsWatcher;
  const answers: string[][] = [];
  const last = () => answers.at(-1);
  const until = (expected: string[]) => eventually(async () => (JSON.stringify(last()) === JSON.stringify(expected) ? true : undefined), 10_000, `backends ${expected.join(', ')}`);

  beforeAll(async () => {
    api = await startKubernetesApi(t.dir, { name: 'switchyard-tier2', namespace: 'monitoring' });
    api.setSlice('switchyard-tier2-abcde', [{ addresses: ['10.0.0.2'] }, { addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.9'], ready: false }]);
  }, 30_000);

  afterAll(async () => {
    watcher?.stop();
    await api?.close();
    t.cleanup();
  });

  it('checks the stand-in with a schema validator that refuses what the API would never send', () => {
    const slice = (o: object) => () => new EndpointSlice({ metadata: { name: 's' }, ...o } as never).validate();
    expect(slice({ addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }] })).not.toThrow();
    expect(slice({ endpoints: [] })).toThrow(/addressType/);
    expect(slice({ addressType: 'IPv4', endpoints: [{}] })).toThrow(/addresses/);
    expect(slice({ addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: 'yes' } }] })).toThrow(/boolean/);
  });

  it('starts with the ready addresses of the list, once per port, in the namespace of the service account when none is given', async () => {
    watcher = new K8sEndpointsWatcher({ service: 'switchyard-tier2', ports: [4317, 4318], timeout: 5000 }, inClusterApi(api.env), pino({ level: 'silent' }), (b) => answers.push(b));
    await watcher.start();
    expect(last()).toEqual(['10.0.0.1:4317', '10.0.0.1:4318', '10.0.0.2:4317', '10.0.0.2:4318']);
    expect(api.requests[0]).toBe('/apis/discovery.k8s.io/v1/namespaces/monitoring/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dswitchyard-tier2');
    expect(api.refused).toEqual([]);
  });

  it('follows the watch: a pod turning ready, a new slice, a pod not ready, a slice deleted', async () => {
    await eventually(async () => (api.requests.some((r) => r.includes('watch=1')) ? true : undefined), 5000, 'a watch');
    expect(api.requests.find((r) => r.includes('watch=1'))).toContain('&resourceVersion=');
    api.setSlice('switchyard-tier2-abcde', [{ addresses: ['10.0.0.2'] }, { addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.9'] }]);
    await until(['10.0.0.1:4317', '10.0.0.1:4318', '10.0.0.2:4317', '10.0.0.2:4318', '10.0.0.9:4317', '10.0.0.9:4318']);
    api.setSlice('switchyard-tier2-fghij', [{ addresses: ['10.0.1.1'] }]);
    await until(['10.0.0.1:4317', '10.0.0.1:4318', '10.0.0.2:4317', '10.0.0.2:4318', '10.0.0.9:4317', '10.0.0.9:4318', '10.0.1.1:4317', '10.0.1.1:4318']);
    api.setSlice('switchyard-tier2-abcde', [{ addresses: ['10.0.0.2'], ready: false }, { addresses: ['10.0.0.1'] }]);
    await until(['10.0.0.1:4317', '10.0.0.1:4318', '10.0.1.1:4317', '10.0.1.1:4318']);
    api.deleteSlice('switchyard-tier2-fghij');
    await until(['10.0.0.1:4317', '10.0.0.1:4318']);
    expect(api.refused).toEqual([]);
  });

  it('lists again after a 410 Gone, and sees what changed meanwhile', async () => {
    const lists = api.requests.filter((r) => !r.includes('watch=')).length;
    api.expireWatches();
    api.setSlice('switchyard-tier2-abcde', [{ addresses: ['10.0.0.3'] }]);
    await until(['10.0.0.3:4317', '10.0.0.3:4318']);
    expect(api.requests.filter((r) => !r.includes('watch=')).length).toBe(lists + 1);
  });

  it('keeps the last answer while the API refuses it, and says why at start without KUBERNETES_SERVICE_HOST', async () => {
    const before = answers.length;
    const saDir = api.env.SWITCHYARD_K8S_SERVICEACCOUNT_DIR!;
    writeFileSync(`${saDir}/token`, 'rotated-but-wrong\n');
    api.expireWatches();
    await eventually(async () => (api.refused.length > 0 ? true : undefined), 5000, 'a refused request');
    expect(answers.length).toBe(before);
    writeFileSync(`${saDir}/token`, 'stand-in-service-account-token\n');
    api.setSlice('switchyard-tier2-abcde', [{ addresses: ['10.0.0.4'] }]);
    // The token file is read at every request: the rotated one is used at the next retry.
    await until(['10.0.0.4:4317', '10.0.0.4:4318']);
    expect(() => inClusterApi({})).toThrow(/KUBERNETES_SERVICE_HOST is unset .*use resolver.dns with the headless Service name/);
  });
});

describe('resolver.k8s settings', () => {
  const issues = (resolver: object) => {
    const r = loadbalancingConfigSchema.safeParse({ resolver });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('takes a Service as name or name.namespace, ports and a timeout; refuses anything else and a second resolver', () => {
    expect(issues({ k8s: { service: 'switchyard-tier2.monitoring', ports: [4317], timeout: '2s' } })).toEqual([]);
    expect(issues({ k8s: { service: 'switchyard-tier2' } })).toEqual([]);
    expect(issues({ k8s: { service: 'switchyard-tier2.monitoring.svc.cluster.local' } })).toEqual(['resolver.k8s.service: expected "name" or "name.namespace" (a Service and its namespace)']);
    expect(issues({ k8s: { service: 'a', return_hostnames: true } })[0]).toMatch(/^resolver.k8s: Unrecognized key/);
    expect(issues({ k8s: { service: 'a' }, dns: { hostname: 'a' } })).toEqual(['resolver: set exactly one of resolver.static, resolver.dns and resolver.k8s']);
  });
});
