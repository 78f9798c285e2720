// How a webhook receiver knows a notification came from this Wasmfleet: HMAC-SHA256 of the exact body bytes
// with the shared secret, sent as `x-wasmfleet-signature: sha256=<hex>` (the GitHub webhook convention).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-wasmfleet-signature';

export function signWebhookBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** For receivers (and tests of them): constant-time comparison of the header with the expected signature. */
export function verifyWebhookSignature(secret: string, body: string, header: string | undefined): boolean {
  if (header === undefined) return false;
  const expected = Buffer.from(signWebhookBody(secret, body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
