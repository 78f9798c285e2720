// What every new project gets whatever its language: the project file, a sample exchange for `filter test` with
// expectations that the generated filter meets, a README and a .gitignore; and writing it all without ever
// overwriting a file that exists.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { usageError } from '../cli-error.js';
import { ASSEMBLYSCRIPT_VERSION, PROXY_RUNTIME_VERSION } from './assemblyscript-toolchain.js';
import type { Language } from './project-file.js';

export interface ScaffoldInput {
  name: string;
  lang: Language;
  rootId: string;
  /** response header the filter adds, and its value */
  header: string;
  value: string;
}

export function scaffoldInput(name: string, lang: Language): ScaffoldInput {
  return { name, lang, rootId: name.replaceAll('-', '_'), header: `x-${name}`, value: 'hello' };
}

export const ENTRY: Record<Language, string> = { assemblyscript: 'assembly/index.ts', c: 'src/filter.c' };

export function commonFiles(p: ScaffoldInput): Record<string, string> {
  return {
    'wasmfleet.yaml': projectYaml(p),
    'test/request.yaml': requestYaml(p),
    'README.md': readme(p),
    '.gitignore': p.lang === 'assemblyscript' ? 'build/\nnode_modules/\n' : 'build/\n',
  };
}

function projectYaml(p: ScaffoldInput): string {
  return `# wasmfleet project file: \`wasmfleet build\` compiles the filter, \`wasmfleet filter test\` runs it.
name: ${p.name}              # module and image name: build/${p.name}.wasm
lang: ${p.lang}
rootId: ${p.rootId}          # the root id the filter registers (Envoy's PluginConfig.root_id)
entry: ${ENTRY[p.lang]}
out: build                   # where build writes ${p.name}.wasm and ${p.name}.image-config.json
config:                      # sample plugin configuration, handed to on_configure as JSON
  header: ${p.header}
  value: ${p.value}
failurePolicy: FAIL_CLOSED   # FAIL_CLOSED | FAIL_OPEN | FAIL_RELOAD, used by \`filter test\`
test:
  request: test/request.yaml
`;
}

function requestYaml(p: ScaffoldInput): string {
  return `# One exchange for \`wasmfleet filter test\`: the request sent through the filter, the response the stub
# upstream answers, and what must come out (a miss makes \`filter test\` exit with 5).
request:
  method: GET
  path: /hello
  authority: example.com
  headers:
    user-agent: wasmfleet-filter-test
response:
  status: 200
  headers:
    content-type: text/plain
  body: hello from the upstream
expect:
  status: 200
  responseHeaders:
    ${p.header}: ${p.value}
`;
}

function readme(p: ScaffoldInput): string {
  const toolchain =
    p.lang === 'assemblyscript'
      ? `## Toolchain

AssemblyScript ${ASSEMBLYSCRIPT_VERSION} with \`@solo-io/proxy-runtime\` ${PROXY_RUNTIME_VERSION} (newer AssemblyScript does not compile
that SDK). \`wasmfleet build\` looks for both in this project's \`node_modules\` (or a parent directory's), then
beside the wasmfleet CLI. Inside a checkout of the wasmfleet repository they are already there; anywhere else:

\`\`\`sh
npm install        # package.json pins assemblyscript@${ASSEMBLYSCRIPT_VERSION} and @solo-io/proxy-runtime@${PROXY_RUNTIME_VERSION}
\`\`\`

The source is AssemblyScript, not Node TypeScript: \`assembly/config.ts\` reads the JSON configuration (the
standard library of AssemblyScript 0.14 has no JSON).
`
      : `## Toolchain

clang-14 and wasm-ld-14 (\`apt-get install clang-14 lld-14\`; \`CLANG\` and \`WASM_LD\` override the binaries).
The filter uses no libc and no SDK: \`src/filter.c\` declares the proxy-wasm host functions it imports and
exports the callbacks by name.
`;
  return `# ${p.name}

A proxy-wasm HTTP filter for Envoy, Istio or any proxy-wasm host. It adds one response header from its
configuration (\`${JSON.stringify({ header: p.header, value: p.value })}\`). Root id: \`${p.rootId}\`.

\`\`\`sh
wasmfleet build                       # → build/${p.name}.wasm and build/${p.name}.image-config.json
wasmfleet filter test                 # runs test/request.yaml through the filter, checks its expectations
wasmfleet filter test --no-expect --config '{"header":"x-other","value":"1"}' -H 'x-debug: 1'
wasmfleet push oci://127.0.0.1:5000/filters/${p.name}:v1
\`\`\`

\`wasmfleet.yaml\` holds the name, language, root id, entry file, output directory and a sample configuration.
\`test/request.yaml\` is the sample exchange: the request, the stub upstream's response, and the expectations.

${toolchain}`;
}

/** Writes the files into dir, which must be missing or empty: init never overwrites anything. */
export function writeScaffold(dir: string, files: Record<string, string>): string[] {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw usageError(`${dir} exists and is not empty`, 'choose another name or --dir, or remove the directory');
  }
  const written: string[] = [];
  for (const [rel, content] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content, { flag: 'wx' });
    written.push(rel);
  }
  return written;
}
