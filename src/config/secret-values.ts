/**
 * The secrets this process knows (tokens, passwords, API keys from the config, the token files, and
 * secret-named environment variables), so that whatever it writes for people (log lines, config
 * errors, `/health/detailed`, the status page) can be scrubbed of them at the last moment, whichever
 * component or library put them in the text. Secrets are only added: an old token rotated away on
 * SIGHUP stays scrubbed too.
 */
const secrets = new Set<string>();

export const REDACTED = '[REDACTED]';

/** Strings shorter than this are no real secret, and scrubbing them would garble ordinary text. */
const MIN_LENGTH = 4;

/** A config key whose value is a secret: `bearer_token`, `password`, `api_key`, `client_secret`, … (and DataDog's `api.key`, below). */
const SECRET_KEY = /(^|_)(token|password|passwd|secret|api_?key|credentials?)$/i;
/** An environment variable whose value is a secret: `OTLP_TOKEN`, `DD_API_KEY`, `REMOTE_WRITE_PASSWORD`, … */
const SECRET_VARIABLE = /(TOKEN|PASSWORD|PASSWD|SECRET|API_?KEY|CREDENTIALS?)/i;

/** Who hears of every secret, past and future (a worker thread tells the main thread, which writes the admin pages). */
const listeners: ((secret: string) => void)[] = [];

export function onSecret(listener: (secret: string) => void): void {
  listeners.push(listener);
  for (const s of secrets) listener(s);
}

export function registerSecret(value: string | undefined): void {
  if (value === undefined) return;
  const v = value.trim();
  if (v.length < MIN_LENGTH || secrets.has(v)) return;
  secrets.add(v);
  for (const listener of listeners) listener(v);
  // The same secret as JSON writes it (a log line), when that differs.
  const escaped = JSON.stringify(v).slice(1, -1);
  if (escaped !== v) secrets.add(escaped);
}

/** Whether a config key (the last part of its YAML path) holds a secret. */
export function isSecretKey(key: string, parent = ''): boolean {
  // A bare `key` is an attribute's name in most places; under `api` (DataDog) it is the API key.
  return SECRET_KEY.test(key) || (key === 'key' && parent === 'api');
}

export function isSecretVariable(name: string): boolean {
  return SECRET_VARIABLE.test(name);
}

/** Registers every string under a secret-named key of a parsed config document. */
export function registerSecretsIn(value: unknown, key = '', parent = ''): void {
  if (typeof value === 'string') {
    if (isSecretKey(key, parent)) registerSecret(value);
  } else if (Array.isArray(value)) {
    for (const v of value) registerSecretsIn(v, key, parent);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) registerSecretsIn(v, k, key);
  }
}

/** `text` with every known secret replaced by [REDACTED]. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}
