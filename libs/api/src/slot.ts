// A slot: one place in a proxy's HTTP filter chain, and the Wasm filter config that fills it.
// The same schema serves REST, the CLI and the dashboard.
import { z } from 'zod';

export const MAX_CONFIG_BYTES = 64 * 1024;
export const WASM_RUNTIMES = ['envoy.wasm.runtime.v8', 'envoy.wasm.runtime.wasmtime', 'envoy.wasm.runtime.wamr'] as const;
export const FAILURE_POLICY_NAMES = ['FAIL_CLOSED', 'FAIL_OPEN', 'FAIL_RELOAD'] as const;
export const DEFAULT_MODULE_CLUSTER = 'wasmfleet_modules';

/** Like the HttpFilter it fills: `wasmfleet.<namespace>.<filter>`; letters, digits, `.`, `_`, `-`. */
export const SlotNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/, 'must be 1-253 letters, digits, ".", "_" or "-", starting with a letter or digit');

const httpUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `is not a URL: "${value.slice(0, 100)}"` });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: `must be http:// or https://, got ${url.protocol}//` });
  } else if (url.username || url.password) {
    ctx.addIssue({ code: 'custom', message: 'must not carry credentials' });
  }
});

const jsonSized = (what: string) =>
  z.json().superRefine((value, ctx) => {
    const bytes = Buffer.byteLength(JSON.stringify(value));
    if (bytes > MAX_CONFIG_BYTES) {
      ctx.addIssue({ code: 'custom', message: `${what} is ${bytes} bytes as JSON; the limit is ${MAX_CONFIG_BYTES}` });
    }
  });

export const ModuleSourceSchema = z
  .object({
    url: httpUrl.optional(),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be the module\'s sha256 as 64 lowercase hex characters')
      .optional(),
    /** The Envoy cluster through which proxies fetch `url`. */
    cluster: z.string().min(1).max(253).default(DEFAULT_MODULE_CLUSTER),
    timeoutMs: z.number().int().min(100).max(300_000).default(10_000),
    /** A module already on the proxy's disk. */
    path: z.string().startsWith('/', 'must be an absolute path').max(4096).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if ((m.url === undefined) === (m.path === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of url (remote module) or path (local file)' });
    }
    if (m.url !== undefined && m.sha256 === undefined) {
      ctx.addIssue({ code: 'custom', path: ['sha256'], message: 'is required with url: proxies verify every module' });
    }
  });

export const SlotSpecSchema = z
  .object({
    module: ModuleSourceSchema,
    rootId: z.string().max(256).default(''),
    vmId: z.string().max(256).default(''),
    runtime: z.enum(WASM_RUNTIMES).default('envoy.wasm.runtime.v8'),
    /** Handed to the filter's on_configure as JSON text. */
    config: jsonSized('config').optional(),
    /** Handed to the filter's on_vm_start as JSON text. */
    vmConfig: jsonSized('vmConfig').optional(),
    failurePolicy: z.enum(FAILURE_POLICY_NAMES).default('FAIL_CLOSED'),
  })
  .strict();

export type SlotSpec = z.output<typeof SlotSpecSchema>;
export type SlotSpecInput = z.input<typeof SlotSpecSchema>;

export const CreateSlotRequestSchema = z.object({ name: SlotNameSchema, spec: SlotSpecSchema }).strict();
export type CreateSlotRequest = z.output<typeof CreateSlotRequestSchema>;

export const UpdateSlotRequestSchema = z
  .object({
    spec: SlotSpecSchema,
    /** Optimistic concurrency: the update fails with a conflict unless the slot is still at this version. */
    expectedVersion: z.string().min(1).optional(),
  })
  .strict();
export type UpdateSlotRequest = z.output<typeof UpdateSlotRequestSchema>;

export interface Slot {
  name: string;
  /** Changes on every write; also the ECDS resource version. */
  version: string;
  spec: SlotSpec;
  createdAt: string;
  updatedAt: string;
}
