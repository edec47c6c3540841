import { createServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Server as GrpcServer, ServerCredentials, type ServiceDefinition } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpGrpcClient } from '../../../exporters/loadbalancing/otlp-grpc-client.ts';
import { OtlpHttpClient } from '../../../exporters/loadbalancing/otlp-http-client.ts';
import type { OtlpClient } from '../../../exporters/loadbalancing/otlp-client.ts';
import { readClientTls, type ClientTlsConfig } from '../../../src/listener/client-tls.ts';
import { OTLP_GRPC_METHOD } from '../../../src/otlp/grpc-methods.ts';
import { makeTestCa, type TestCa } from '../../helpers/test-ca.ts';
import { tempFiles } from '../../helpers/temp-files.ts';

/*
 * The two OTLP clients against servers showing the test CA's certificate (names 127.0.0.1 and
 * localhost): how `ca_file`, `server_name_override` and `insecure_skip_verify` decide the handshake.
 */
const t = tempFiles({});
let ca: TestCa;
let https: HttpsServer;
let grpc: GrpcServer;
let httpsPort = 0;
let grpcPort = 0;

const passThrough = (b: Buffer): Buffer => b;
const METRICS: ServiceDefinition = {
  Export: { path: OTLP_GRPC_METHOD.metrics, requestStream: false, responseStream: false, requestSerialize: passThrough, requestDeserialize: passThrough, responseSerialize: passThrough, responseDeserialize: passThrough },
};

beforeAll(async () => {
  ca = makeTestCa(t.dir);
  https = createServer({ cert: ca.read(ca.serverCert), key: ca.read(ca.serverKey) }, (req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end());
  });
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  httpsPort = (https.address() as AddressInfo).port;
  grpc = new GrpcServer();
  grpc.addService(METRICS, { Export: (_call: unknown, callback: (e: null, r: Buffer) => void) => callback(null, Buffer.alloc(0)) });
  grpcPort = await new Promise<number>((resolve, reject) => grpc.bindAsync('127.0.0.1:0', ServerCredentials.createSsl(null, [{ cert_chain: ca.read(ca.serverCert), private_key: ca.read(ca.serverKey) }]), (e, p) => (e ? reject(e) : resolve(p))));
}, 30_000);

afterAll(async () => {
  https?.close();
  grpc?.forceShutdown();
  t.cleanup();
});

const tls = (c: Partial<ClientTlsConfig>) => readClientTls({ insecure: false, insecure_skip_verify: false, min_version: 'TLSv1.2', ...c }, []);

for (const transport of ['http', 'grpc'] as const) {
  const client = (c: Partial<ClientTlsConfig>): OtlpClient => {
    const options = { timeoutMs: 3000, headers: {}, compression: 'none' as const, tls: tls(c) };
    return transport === 'http' ? new OtlpHttpClient(`127.0.0.1:${httpsPort}`, options) : new OtlpGrpcClient(`127.0.0.1:${grpcPort}`, options);
  };
  const outcome = async (c: Partial<ClientTlsConfig>): Promise<string> => {
    const cl = client(c);
    try {
      return await cl.send('metrics', Buffer.alloc(0)).then(() => 'sent', (e: Error) => `refused: ${e.message}`);
    } finally {
      cl.close();
    }
  };

  describe(`OTLP/${transport} client tls`, () => {
    it('trusts the server through ca_file, by its address or by server_name_override', async () => {
      expect(await outcome({ ca_file: ca.caCert })).toBe('sent');
      expect(await outcome({ ca_file: ca.caCert, server_name_override: 'localhost' })).toBe('sent');
    });

    it('refuses a server whose certificate does not name server_name_override, or that no trusted CA signed; insecure_skip_verify accepts it', async () => {
      expect(await outcome({ ca_file: ca.caCert, server_name_override: 'tier2.example' })).toMatch(/^refused: /);
      expect(await outcome({})).toMatch(/^refused: /);
      expect(await outcome({ insecure_skip_verify: true })).toBe('sent');
    });
  });
}
