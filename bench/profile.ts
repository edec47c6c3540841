/**
 * A CPU profile of the bench's gateway row (`gateway`) or its Prompter-pipeline row (`prompter`): the
 * gateway in this process under 4 concurrent posts for `SWITCHYARD_PROFILE_SECONDS` (default 10). The
 * profiler (V8's, as `node --cpu-prof`) runs only after a warm-up, so start-up and module loading stay
 * out of it. `node --import tsx bench/profile.ts gateway FILE.cpuprofile`, then
 * `node bench/profile-top.js FILE.cpuprofile` prints the frames by self time.
 */
import { Agent } from 'node:http';
import { Session } from 'node:inspector/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { builtinRegistry } from '../src/components.ts';
import { Gateway } from '../src/gateway.ts';
import { pipelineHostConfig } from '../test/helpers/pipeline-gateway.ts';
import { benchRequest } from './decode.ts';
import { GATEWAY_CONFIG, post as postBody } from './gateway.ts';
import { prompterRequest } from './prompter-request.ts';

const which = process.argv[2] === 'prompter' ? 'prompter' : 'gateway';
const out = process.argv[3] ?? `${which}.cpuprofile`;
const seconds = Number(process.env.SWITCHYARD_PROFILE_SECONDS ?? 10);
const body = which === 'prompter' ? await prompterRequest() : await benchRequest();
const config = which === 'prompter' ? pipelineHostConfig('pipelines/prompter-prometheus.yaml') : GATEWAY_CONFIG;

const dir = mkdtempSync(join(tmpdir(), 'switchyard-profile-'));
writeFileSync(join(dir, 'gateway.yaml'), config);
const gateway = new Gateway({ configFile: join(dir, 'gateway.yaml'), registry: builtinRegistry(), logger: pino({ level: 'silent' }) });
await gateway.start();
const url = new URL(`http://${gateway.endpoints()['otlp.http']}/v1/metrics`);
const agent = new Agent({ keepAlive: true, maxSockets: 4 });
const post = async () => {
  const status = await postBody(url, body.proto, agent);
  if (status !== 200) throw new Error(`the gateway answered ${status}`);
};
for (let i = 0; i < 20; i++) await post(); // warm-up: JIT and the exporter's series state
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.start');
const until = performance.now() + seconds * 1000;
let requests = 0;
await Promise.all(
  Array.from({ length: 4 }, async () => {
    while (performance.now() < until) {
      await post();
      requests++;
    }
  }),
);
const { profile } = await session.post('Profiler.stop');
writeFileSync(out, JSON.stringify(profile));
session.disconnect();
process.stdout.write(`${which}: ${requests} requests, ${Math.round((requests * body.points) / seconds)} points/s (under the profiler)\n`);
agent.destroy();
await gateway.shutdown();
rmSync(dir, { recursive: true, force: true });
