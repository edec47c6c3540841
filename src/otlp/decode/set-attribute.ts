import type { AttributeValue, Attributes } from '../../model/common.ts';

/**
 * `into[key] = value`, except that a key named "__proto__" becomes an ordinary property: assigned
 * plainly, it would replace the object's prototype, and a client could then make every lookup of an
 * absent label (say `service.name`) answer with a value of its choosing.
 */
export function setAttribute(into: Attributes, key: string, value: AttributeValue): void {
  if (key === '__proto__') Object.defineProperty(into, key, { value, enumerable: true, writable: true, configurable: true });
  else into[key] = value;
}
