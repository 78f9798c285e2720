// Copies the AssemblyScript glue of the example filters (examples/filters/shared/assembly) into the CLI's
// dist, so `wasmfleet init --lang assemblyscript` gives new projects the same lean proxy_on_* exports and
// context registry as the examples, from one source. Run by the package's build script.
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const from = path.join(here, '..', '..', '..', 'examples', 'filters', 'shared', 'assembly');
const to = path.join(here, '..', 'dist', 'templates', 'assemblyscript-glue');
mkdirSync(to, { recursive: true });
for (const file of ['exports.ts', 'contexts.ts', 'quiet-context.ts']) copyFileSync(path.join(from, file), path.join(to, file));
