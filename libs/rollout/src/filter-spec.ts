// spec.filter: which Wasm module, with which config, fills the slot.
import { z } from 'zod';

export const MAX_CONFIG_BYTES = 64 * 1024;
export const FAILURE_POLICIES = ['FAIL_CLOSED', 'FAIL_OPEN', 'FAIL_RELOAD'] as const;
export type FailurePolicy = (typeof FAILURE_POLICIES)[number];

const HOST = String.raw`(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::\d{1,5})?`;
const COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
const TAG = String.raw`[\w][\w.-]{0,127}`;
const DIGEST = String.raw`sha256:[0-9a-f]{64}`;
/** oci://host[:port]/repo/name followed by :tag, @sha256:<hex>, or both. */
const OCI_IMAGE_RE = new RegExp(`^oci://${HOST}/${COMPONENT}(?:/${COMPONENT})*(?::${TAG}(?:@${DIGEST})?|@${DIGEST})$`);
const SHA256_RE = /^[0-9a-f]{64}$/;

export type ImageKind = 'oci' | 'http';

export function imageKind(image: string): ImageKind {
  return image.startsWith('oci://') ? 'oci' : 'http';
}

export const ImageSchema = z
  .string()
  .max(2048)
  .superRefine((value, ctx) => {
    if (value.startsWith('oci://')) {
      if (!OCI_IMAGE_RE.test(value)) {
        ctx.addIssue({
          code: 'custom',
          message: `"${value.slice(0, 200)}" is not an OCI reference; expected oci://host[:port]/repo/name:tag or …@sha256:<64 hex>`,
        });
      }
      return;
    }
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      ctx.addIssue({
        code: 'custom',
        message: `"${value.slice(0, 200)}" is neither oci://host/repo:tag (or @sha256:…) nor an http(s):// URL`,
      });
    } else if (url.username !== '' || url.password !== '') {
      ctx.addIssue({ code: 'custom', message: 'must not carry credentials; the agent holds registry credentials' });
    }
  });

/** JSON text handed to the filter, at most 64 KiB once serialized. */
const jsonUpTo64KiB = (what: string) =>
  z.json({ error: `${what} must be JSON (an object, array, string, number, boolean or null)` }).superRefine((value, ctx) => {
    const bytes = new TextEncoder().encode(JSON.stringify(value)).length;
    if (bytes > MAX_CONFIG_BYTES) {
      ctx.addIssue({ code: 'custom', message: `${what} is ${bytes} bytes as JSON; the limit is ${MAX_CONFIG_BYTES}` });
    }
  });

/** Like the HttpFilter it fills: letters, digits, `.`, `_`, `-` (the same rule as @wasmfleet/api's slots). */
export const SlotNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/, 'must be 1-253 letters, digits, ".", "_" or "-", starting with a letter or digit');

export const FilterSpecSchema = z
  .object({
    image: ImageSchema,
    /** sha256 of the module bytes: required for http(s) images, optional for OCI (checked when given). */
    sha256: z.string().regex(SHA256_RE, "must be the module's sha256 as 64 lowercase hex characters").optional(),
    rootId: z.string().max(256),
    /** Handed to on_configure as JSON text. */
    config: jsonUpTo64KiB('config'),
    /** Handed to on_vm_start as JSON text. */
    vmConfig: jsonUpTo64KiB('vmConfig').optional(),
    failurePolicy: z.enum(FAILURE_POLICIES).default('FAIL_CLOSED'),
    /** Defaults to `wasmfleet.<namespace>.<name>` (filled in by the rollout schema). */
    slot: SlotNameSchema.optional(),
  })
  .strict()
  .superRefine((filter, ctx) => {
    if (imageKind(filter.image) === 'http' && filter.sha256 === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['sha256'],
        message: 'is required with an http(s):// image: proxies verify every module they load',
      });
    }
  });
