let loading: Promise<void> | undefined;
let compress: ((body: Buffer, level: number) => Uint8Array) | undefined;

/**
 * Loads the WebAssembly zstd encoder, once (Node 20's zlib has no zstd; 22.15 does). Imported here, not
 * at the top: a gateway that never sends zstd1 never holds the module or its WebAssembly memory.
 */
export function loadZstd(): Promise<void> {
  return (loading ??= import('@bokuweb/zstd-wasm').then(async (zstd) => {
    await zstd.init();
    compress = zstd.compress;
  }));
}

/** DataDog's `zstd1`: zstd at level 1. Only after `loadZstd()` resolved. */
export function zstd1(body: Buffer): Buffer {
  if (!compress) throw new Error('zstd1 before loadZstd() resolved');
  return Buffer.from(compress(body, 1));
}
