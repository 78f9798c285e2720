// Valid slot bodies for tests and benchmarks.
export const SHA_A = 'a'.repeat(64);
export const SHA_B = 'b'.repeat(64);

export function slotSpec(overrides: Record<string, unknown> = {}) {
  return {
    module: { url: 'http://127.0.0.1:9/modules/add-header.wasm', sha256: SHA_A },
    rootId: 'add_header',
    config: { header: 'x-powered-by', value: 'wasmfleet' },
    failurePolicy: 'FAIL_OPEN',
    ...overrides,
  };
}
