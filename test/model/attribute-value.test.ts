import { describe, expect, it } from 'vitest';
import { labelValue } from '../../src/model/attribute-value.ts';

describe('an attribute value as a string', () => {
  it('keeps strings and prints numbers and booleans as JavaScript does', () => {
    expect([labelValue('GET'), labelValue(200), labelValue(0.5), labelValue(true)]).toEqual(['GET', '200', '0.5', 'true']);
  });

  it('writes bytes as base64, also inside arrays and maps written as JSON', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    expect(labelValue(bytes)).toBe('AQID');
    expect(labelValue(['a', 1, bytes])).toBe('["a",1,"AQID"]');
    expect(labelValue({ k: bytes, n: { b: false } })).toBe('{"k":"AQID","n":{"b":false}}');
  });
});
