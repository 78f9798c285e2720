// wasmfleet logout <host>: removes a registry's entry from wasmfleet's config.json (other entries are kept).
import type { Command } from 'commander';
import { configPath, removeCredential } from '../registry/config-file.js';
import { normalizeRegistryHost } from '../registry/registry-options.js';

export function register(program: Command): void {
  program
    .command('logout')
    .description('remove the stored credentials of a registry')
    .argument('<host>', 'registry host[:port]')
    .action((hostText: string) => {
      const host = normalizeRegistryHost(hostText);
      const file = configPath();
      const removed = removeCredential(host, file);
      process.stdout.write(removed ? `removed the credentials for ${host} from ${file}\n` : `no credentials for ${host} in ${file}\n`);
    });
}
