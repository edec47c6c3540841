import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './gateway-process.ts';

export interface DemoApp {
  url: string;
  child: ChildProcess;
  request(method: string, path: string, body?: unknown): Promise<number>;
  /** Exports every recorded metric and span now. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the Prompter demo service (examples/prompter-demo: Express + the OpenTelemetry NodeSDK and
 * auto-instrumentations) as its own process, sending OTLP to `otlpHttp`.
 */
export async function startDemoApp(otlpHttp: string, env: NodeJS.ProcessEnv): Promise<DemoApp> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/prompter-demo/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: '0',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://${otlpHttp}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_METRIC_EXPORT_INTERVAL: '3600000',
      OTEL_TRACES_SAMPLER: 'always_on',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`demo app did not start:\n${stderr}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"port":(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`demo app exited with ${code}:\n${stderr}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    child,
    async request(method, path, body) {
      const res = await fetch(`${url}${path}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
      await res.arrayBuffer();
      return res.status;
    },
    async flush() {
      const res = await fetch(`${url}/demo/flush`, { method: 'POST' });
      if (!res.ok) throw new Error(`flush failed: ${await res.text()}`);
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}
