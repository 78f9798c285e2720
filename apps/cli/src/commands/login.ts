// wasmfleet login <host> [-u user] [--password-stdin]: checks the credentials against the registry first (a wrong
// password exits 4 and stores nothing), then keeps them in wasmfleet's config.json (mode 0600) for push, pull and
// inspect.
import { RegistryClient, type Credential } from '@wasmfleet/oci';
import type { Command } from 'commander';
import { CliError, usageError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { canPrompt, prompt, readStdinSecret } from '../input/secret-input.js';
import { outputOption, printResult, type OutputFormat } from '../output/format.js';
import { configPath, saveCredential } from '../registry/config-file.js';
import { insecureOption, normalizeRegistryHost, registryOptions } from '../registry/registry-options.js';

interface LoginFlags {
  username?: string;
  passwordStdin?: boolean;
  insecure?: boolean;
  output: OutputFormat;
}

async function credentialFrom(flags: LoginFlags, host: string): Promise<Credential> {
  let username = flags.username;
  if (!username) {
    if (!canPrompt()) throw usageError('no username: pass -u <user>');
    username = (await prompt(`Username for ${host}: `)).trim();
  }
  let password: string;
  if (flags.passwordStdin) password = await readStdinSecret();
  else if (canPrompt()) password = await prompt(`Password for ${username}@${host}: `, true);
  else throw usageError('no terminal to ask for the password', `pipe it in: printf '%s' "$PASSWORD" | wasmfleet login ${host} -u ${username} --password-stdin`);
  if (!username || !password) throw usageError('the username and the password must not be empty');
  return { username, password };
}

/** GET /v2/ with the credentials, answering the registry's challenge (Basic, or a Bearer token for no scope). */
async function verify(host: string, credential: Credential, flags: LoginFlags): Promise<void> {
  const client = new RegistryClient(host, { ...registryOptions(host, flags), credentials: { [host]: credential } });
  try {
    const res = await client.request({ method: 'GET', target: '/v2/', scopes: [] });
    await res.drain();
    if (res.status !== 200) throw new CliError(`registry ${host} answered ${res.status} ${res.statusText} to GET /v2/: it does not look like an OCI registry`, ExitCode.failure);
  } finally {
    client.close();
  }
}

export function register(program: Command): void {
  program
    .command('login')
    .description('check and store credentials for a registry')
    .argument('<host>', 'registry host[:port]')
    .option('-u, --username <user>', 'user name (asked for on a terminal when missing)')
    .option('--password-stdin', 'read the password from stdin')
    .addOption(insecureOption())
    .addOption(outputOption())
    .action(async (hostText: string, flags: LoginFlags) => {
      const host = normalizeRegistryHost(hostText);
      const credential = await credentialFrom(flags, host);
      await verify(host, credential, flags);
      const file = configPath();
      saveCredential(host, credential, file);
      await printResult(flags.output, { registry: host, username: credential.username, configFile: file }, () => `login succeeded: credentials of ${credential.username} for ${host} saved in ${file}`);
    });
}
