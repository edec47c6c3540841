/**
 * FNV-1a, 64 bits, over the UTF-8 bytes of a string: the routing rule's hash. Chosen because it is fully
 * specified (offset basis 0xcbf29ce484222325, prime 0x100000001b3), has published test vectors, needs no
 * dependency or WASM start-up, and is fast on the short keys routing hashes (a service name, a label set).
 * The value must never change between versions: it decides which worker, JetStream partition and backend a
 * series lands on, and two gateways of different versions in one fleet must agree.
 *
 * Computed on two 32-bit halves in plain numbers (no BigInt per byte): the 64-bit product by the prime
 * 2^40 + 0x1b3 is `x·0x1b3 + (x << 40)`, and every partial product stays below 2^53.
 */
const PRIME_LOW = 0x1b3;
const encoder = new TextEncoder();

/** The hash as two unsigned 32-bit halves. */
export interface Hash64 {
  hi: number;
  lo: number;
}

export function fnv1a64(input: string): Hash64 {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  const ascii = isAscii(input);
  const bytes = ascii ? undefined : encoder.encode(input);
  const n = ascii ? input.length : bytes!.length;
  for (let i = 0; i < n; i++) {
    lo ^= ascii ? input.charCodeAt(i) : bytes![i]!;
    // lo, hi < 2^32 and PRIME_LOW < 2^9: each product < 2^41, exact in a double.
    const loProduct = (lo >>> 0) * PRIME_LOW;
    const carry = Math.floor(loProduct / 0x100000000);
    hi = ((hi >>> 0) * PRIME_LOW + carry + ((lo << 8) >>> 0)) >>> 0;
    lo = loProduct >>> 0;
  }
  return { hi: hi >>> 0, lo: lo >>> 0 };
}

/** The hash as 16 lowercase hex digits (how the test vectors and logs show it). */
export function hashHex(h: Hash64): string {
  return h.hi.toString(16).padStart(8, '0') + h.lo.toString(16).padStart(8, '0');
}

/** The hash modulo `n` (n ≥ 1, < 2^21), exactly: (hi·2^32 + lo) mod n without leaving doubles' exact range. */
export function hashMod(h: Hash64, n: number): number {
  return (((h.hi % n) * (0x100000000 % n)) % n + (h.lo % n)) % n;
}

/**
 * A position on a hash ring in [0, 2^52). FNV-1a mixes a key's last bytes poorly into its high bits
 * (`m#1`, `m#2` would bunch together on the ring), so both halves first go through murmur3's 32-bit
 * finalizer (a bijection with full avalanche), the second half keyed by the first.
 */
export function ringPosition(h: Hash64): number {
  const a = fmix32(h.hi ^ fmix32(h.lo));
  const b = fmix32(h.lo ^ a);
  return a * 0x100000 + (b >>> 12);
}

function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}
