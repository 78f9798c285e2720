// wasmfleet init <name> --lang assemblyscript|c [--dir]: a filter project that builds and passes its own test as
// created: wasmfleet.yaml, the filter's source, a sample exchange with expectations, a README.
import path from 'node:path';
import { Option, type Command } from 'commander';
import { usageError } from '../cli-error.js';
import { outputOption, printResult, type OutputFormat } from '../output/format.js';
import { assemblyScriptFiles } from '../project/scaffold-assemblyscript.js';
import { cFiles } from '../project/scaffold-c.js';
import { commonFiles, scaffoldInput, writeScaffold } from '../project/scaffold-common.js';
import { LANGUAGES, NAME_RE, type Language } from '../project/project-file.js';

interface InitFlags {
  lang: Language;
  dir?: string;
  output: OutputFormat;
}

export function register(program: Command): void {
  program
    .command('init')
    .description('create a filter project (wasmfleet.yaml, source, sample request, README)')
    .argument('<name>', 'filter name: lowercase letters, digits and dashes (also the module and image name)')
    .addOption(new Option('-l, --lang <language>', 'source language').choices(LANGUAGES).makeOptionMandatory())
    .option('-d, --dir <dir>', 'directory to create (default: ./<name>); must be missing or empty')
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
The project file (wasmfleet.yaml):
  name           module and image name
  lang           assemblyscript | c
  rootId         the root id the filter registers
  entry          source file to compile
  out            output directory (default build)
  config         sample plugin configuration (any YAML/JSON), handed to on_configure by \`filter test\`
  vmConfig       VM configuration for on_vm_start (optional)
  failurePolicy  FAIL_CLOSED | FAIL_OPEN | FAIL_RELOAD for \`filter test\` (optional)
  test.request   request file \`filter test\` runs when no module is given

AssemblyScript projects get a package.json pinning assemblyscript@0.14.13 and @solo-io/proxy-runtime@0.1.8:
inside a checkout that has them (or beside an installed wasmfleet CLI) \`build\` needs no npm install; anywhere
else run \`npm install\` in the project first.`,
    )
    .action(async (name: string, flags: InitFlags) => {
      if (!NAME_RE.test(name)) throw usageError(`"${name}" is not a valid filter name`, 'use lowercase letters, digits and dashes, e.g. my-filter');
      const dir = path.resolve(flags.dir ?? name);
      const input = scaffoldInput(name, flags.lang);
      const files = { ...commonFiles(input), ...(flags.lang === 'c' ? cFiles(input) : assemblyScriptFiles(input)) };
      const written = writeScaffold(dir, files);
      const rel = path.relative(process.cwd(), dir) || '.';
      await printResult(flags.output, { name, lang: flags.lang, rootId: input.rootId, dir, files: written }, () =>
        [
          `created ${flags.lang} filter project ${name} in ${rel}:`,
          ...written.map((f) => `  ${f}`),
          '',
          'next:',
          `  cd ${rel}`,
          ...(flags.lang === 'assemblyscript' ? ['  npm install        # only outside a checkout that has assemblyscript@0.14.13'] : []),
          '  wasmfleet build',
          '  wasmfleet filter test',
        ].join('\n'),
      );
    });
}
