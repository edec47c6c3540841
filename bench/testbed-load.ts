/**
 * The load process of the testbed row: the Collector testbed's metrics load, 10,000 points a second
 * (one 10,000-point OTLP/HTTP protobuf request a second, as the SDK serializes it), for the seconds given.
 * `node --import tsx bench/testbed-load.ts http://127.0.0.1:4318/v1/metrics 60`; prints a JSON summary.
 */
import { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchRequest } from './decode.ts';
import { post as postBody } from './gateway.ts';

const [target, secondsArg] = process.argv.slice(2);
if (!target) throw new Error('usage: testbed-load.ts URL [seconds]');
const seconds = Number(secondsArg ?? 60);
const { proto, points } = await benchRequest();
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const url = new URL(target);
const post = () => postBody(url, proto, agent);
process.stdout.write('start\n'); // the measuring side's window opens here
let sent = 0;
let failed = 0;
const start = performance.now();
for (let i = 0; i < seconds; i++) {
  // On the second, whatever the last request took: a steady 10k points/s, not as fast as it answers.
  const due = start + i * 1000;
  if (due > performance.now()) await sleep(due - performance.now());
  if ((await post()) === 200) sent += points;
  else failed += points;
}
agent.destroy();
process.stdout.write(`${JSON.stringify({ sent, failed, seconds })}\n`);
