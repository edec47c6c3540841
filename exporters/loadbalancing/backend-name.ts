/** A backend's name in the ring: `host:port`, with IPv6 addresses bracketed. */
export function backendName(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
