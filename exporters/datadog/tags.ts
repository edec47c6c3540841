import type { AttributeValue } from '../../src/model/common.ts';
import { labelValue } from '../../src/model/attribute-value.ts';

const MAX_TAG = 200;

/**
 * A `key:value` tag by DataDog's tag rules (docs: "Getting Started with Tags" › Define tags; "naming
 * metrics and tags"), applied rather than refused: lower case; letters (any script), digits, `_ - : . /`
 * kept and anything else `_`, runs of `_` made one; leading characters stripped up to the first letter;
 * at most 200 characters; trailing `_` removed (and a trailing `:`, which no tag may end with). An empty
 * value is `n/a`, as DataDog's OpenTelemetry mapping writes it. A tag with no letter at all is `''`.
 */
export function ddTag(key: string, value: AttributeValue): string {
  const v = labelValue(value);
  const tag = `${key}:${v === '' ? 'n/a' : v}`
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\-:./]/gu, '_')
    .replace(/_{2,}/g, '_')
    .replace(/^\P{L}+/u, '');
  const cut = tag.length > MAX_TAG ? [...tag].slice(0, MAX_TAG).join('') : tag;
  return cut.replace(/[_:]+$/, '');
}

/** DataDog metric names: ASCII letters, digits, `_` and `.`; start with a letter; at most 200 characters. */
export function ddMetricName(name: string): string {
  let out = name.replace(/[^A-Za-z0-9_.]/g, '_').replace(/__+/g, '_');
  if (!/^[A-Za-z]/.test(out)) out = `m${out}`;
  return out.slice(0, 200);
}
