// Compiled (and metered) filter modules by sha256, shared by every proxy in the process: replicas and
// config changes that keep the module re-use it instead of compiling the same bytes again.
import { loadFilterModule, type FilterModule } from '@wasmfleet/proxy-wasm';

const LIMIT = 32;
const compiled = new Map<string, Promise<FilterModule>>();

export function compiledModule(sha256: string, bytes: () => Promise<Uint8Array>): Promise<FilterModule> {
  let pending = compiled.get(sha256);
  if (pending) {
    // Most recently used last, so the oldest is dropped first.
    compiled.delete(sha256);
    compiled.set(sha256, pending);
    return pending;
  }
  pending = bytes().then((b) => loadFilterModule(b));
  pending.catch(() => compiled.delete(sha256)); // a failure is not remembered: the next config may succeed
  compiled.set(sha256, pending);
  if (compiled.size > LIMIT) compiled.delete(compiled.keys().next().value!);
  return pending;
}
