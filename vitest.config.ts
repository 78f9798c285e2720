import { defineConfig } from 'vitest/config';
import path from 'node:path';

// Tests import the libs from source, so `vitest` needs no build of them.
const lib = (name: string) => path.resolve(import.meta.dirname, `libs/${name}/src/index.ts`);

export default defineConfig({
  resolve: {
    alias: {
      '@wasmfleet/xds': lib('xds'),
      '@wasmfleet/envoy': lib('envoy'),
      '@wasmfleet/api': lib('api'),
      '@wasmfleet/proxy-wasm': lib('proxy-wasm'),
      '@wasmfleet/oci': lib('oci'),
      '@wasmfleet/rollout': lib('rollout'),
    },
  },
  test: {
    include: ['{apps,libs}/*/src/**/*.test.ts', 'e2e/**/*.test.ts', 'examples/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
