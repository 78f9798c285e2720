import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { missingNodeFlags, SERVER_NODE_FLAGS } from './node-flags.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const startScript = (packageJson: string) => JSON.parse(readFileSync(path.join(repoRoot, packageJson), 'utf8')).scripts.start as string;

describe('the server’s Node flags', () => {
  it.each([
    ['package.json', 'node apps/server/dist/main.js'],
    ['apps/server/package.json', 'node dist/main.js'],
  ])('%s starts the server with them', (packageJson, command) => {
    const [node, main] = command.split(' ');
    expect(startScript(packageJson)).toContain(`${node} ${SERVER_NODE_FLAGS.join(' ')} ${main}`);
  });

  it('take effect, on the command line and in NODE_OPTIONS (a larger young generation raises the heap limit)', () => {
    const heapLimit = (args: readonly string[], nodeOptions: string) => {
      const script = "process.stdout.write(String(require('v8').getHeapStatistics().heap_size_limit))";
      const run = spawnSync(process.execPath, [...args, '-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: nodeOptions } });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      return Number(run.stdout);
    };
    const stock = heapLimit([], '');
    expect(heapLimit(SERVER_NODE_FLAGS, '')).toBeGreaterThan(stock);
    expect(heapLimit([], SERVER_NODE_FLAGS.join(' '))).toBeGreaterThan(stock);
  });

  it('reports which are missing from a start, wherever they were given and with any value', () => {
    expect(missingNodeFlags([], undefined)).toEqual(SERVER_NODE_FLAGS);
    expect(missingNodeFlags(['--enable-source-maps'], '--max-old-space-size=4096')).toEqual(SERVER_NODE_FLAGS);
    expect(missingNodeFlags([...SERVER_NODE_FLAGS], undefined)).toEqual([]);
    expect(missingNodeFlags([], ` ${SERVER_NODE_FLAGS.join(' ')} --trace-warnings`)).toEqual([]);
    expect(missingNodeFlags(['--max-semi-space-size=32'], undefined)).toEqual([]);
    expect(missingNodeFlags(['--max_semi_space_size=64'], undefined)).toEqual([]);
  });
});
