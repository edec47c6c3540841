import type { AttributeValue } from '../../src/model/common.ts';
import { labelValue } from '../../src/translate/prometheus-labels.ts';

const MAX_TAG = 200;

/**
 * DataDog's tag rules, applied (never refused): lower case; letters, digits, `_ - : . /` kept, anything
 * else becomes `_`; must start with a letter; at most 200 characters.
 */
export function ddTag(key: string, value: AttributeValue): string {
  let tag = `${key}:${labelValue(value)}`
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\-:./]/gu, '_')
    .replace(/__+/g, '_');
  if (!/^\p{L}/u.test(tag)) tag = `t${tag}`;
  return tag.length > MAX_TAG ? tag.slice(0, MAX_TAG) : tag;
}

/** DataDog metric names: ASCII letters, digits, `_` and `.`; start with a letter; at most 200 characters. */
export function ddMetricName(name: string): string {
  let out = name.replace(/[^A-Za-z0-9_.]/g, '_').replace(/__+/g, '_');
  if (!/^[A-Za-z]/.test(out)) out = `m${out}`;
  return out.slice(0, 200);
}
