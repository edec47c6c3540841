import { createHash, timingSafeEqual } from 'node:crypto';

/** Why a request was refused by a listener's auth; the `reason` label of the refusal. */
export type AuthRefusal = 'unauthenticated' | 'invalid_token';

/**
 * Checks `Authorization: Bearer <token>` against the configured token in constant time: both sides are
 * hashed first, so neither the token's length nor its content shows in how long a refusal takes.
 */
export class BearerAuth {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  /** undefined when the header carries the token; otherwise why not. */
  check(authorization: string | undefined): AuthRefusal | undefined {
    if (!authorization) return 'unauthenticated';
    const m = /^bearer\s+(.+)$/i.exec(authorization.trim());
    if (!m) return 'unauthenticated';
    return timingSafeEqual(digest(m[1]!.trim()), this.expected) ? undefined : 'invalid_token';
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
