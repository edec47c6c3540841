import { z } from 'zod';

/**
 * `auth:` of a listener: a bearer token every request must carry (`Authorization: Bearer …`), written
 * in the config (usually `${env:…}`) or read from a file (re-read on every reload, so a rotated token
 * takes effect on SIGHUP).
 */
export const listenerAuthSchema = z
  .object({
    bearer_token: z.string().min(1, 'bearer_token is empty (an unset variable?); a listener with auth needs a token').optional(),
    /** A file holding the token; surrounding whitespace (a trailing newline) is not part of it. */
    bearer_token_file: z.string().min(1).optional(),
    /** Also guard the admin's `/health/live` and `/health/ready` (off: probes stay open). */
    probes: z.boolean().default(false),
    /** The Collector's `auth: { authenticator: bearertokenauth }`, refused with what to write instead. */
    authenticator: z.unknown().optional(),
  })
  .strict()
  .superRefine((auth, ctx) => {
    if (auth.authenticator !== undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['authenticator'],
        message: 'Switchyard has no auth extensions; write the token here instead: auth: { bearer_token: ${env:TOKEN} } or auth: { bearer_token_file: /path/to/token }',
      });
      return;
    }
    if ((auth.bearer_token === undefined) === (auth.bearer_token_file === undefined)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'write exactly one of bearer_token or bearer_token_file' });
    }
  })
  .transform(({ bearer_token, bearer_token_file, probes }) => ({ bearer_token, bearer_token_file, probes }));

const TLS_VERSIONS = { '1.2': 'TLSv1.2', '1.3': 'TLSv1.3' } as const;

/** `min_version` of any `tls` block (a listener's or a client's), the Collector's values, as Node's name. */
export const tlsMinVersion = z
  .enum(['1.2', '1.3'], { errorMap: () => ({ message: 'min_version must be "1.2" or "1.3" (older TLS versions are not offered)' }) })
  .default('1.2')
  .transform((v) => TLS_VERSIONS[v]);

/**
 * `tls:` of a listener, the Collector's keys: the server's certificate and key, and with
 * `client_ca_file` every client must show a certificate signed by that CA (mutual TLS). The files are
 * read when the listener starts and again on every reload.
 */
export const listenerTlsSchema = z
  .object({
    cert_file: z.string({ required_error: 'tls needs cert_file (the server certificate, PEM)' }).min(1),
    key_file: z.string({ required_error: 'tls needs key_file (the private key of cert_file, PEM)' }).min(1),
    client_ca_file: z.string().min(1).optional(),
    min_version: tlsMinVersion,
  })
  .strict();

export type ListenerAuthConfig = z.infer<typeof listenerAuthSchema>;
export type ListenerTlsConfig = z.infer<typeof listenerTlsSchema>;

/** The keys every listener block shares: spread into its schema. */
export const listenerSecurity = {
  auth: listenerAuthSchema.optional(),
  tls: listenerTlsSchema.optional(),
};
