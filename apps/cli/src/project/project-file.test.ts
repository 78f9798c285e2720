import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAssemblyScript } from './assemblyscript-toolchain.js';
import { findCToolchain } from './c-toolchain.js';
import { configText, loadProject, validateProject } from './project-file.js';

const valid = { name: 'my-filter', lang: 'c', rootId: 'my_filter', entry: 'src/filter.c' };

describe('validateProject', () => {
  it('accepts a minimal project and fills the defaults', () => {
    expect(validateProject(valid, '/p/wasmfleet.yaml')).toEqual({ ...valid, dir: '/p', out: 'build' });
  });

  it.each([
    [{ ...valid, langage: 'c' }, 'unknown field "langage"'],
    [{ ...valid, name: 'My_Filter' }, 'field "name" must be lowercase'],
    [{ ...valid, lang: 'rust' }, 'field "lang" must be one of assemblyscript, c'],
    [{ ...valid, rootId: undefined }, 'needs "rootId"'],
    [{ ...valid, entry: '../outside.c' }, 'field "entry" must be a path inside the project'],
    [{ ...valid, out: '/abs' }, 'field "out" must be a path inside the project'],
    [{ ...valid, failurePolicy: 'FAIL_SOMETIMES' }, 'field "failurePolicy" must be one of'],
    [{ ...valid, test: { requests: 'x' } }, 'field "test" has unknown field "requests"'],
  ])('refuses %j', (doc, message) => {
    expect(() => validateProject(doc, '/p/wasmfleet.yaml')).toThrow(message);
  });

  it('hands configuration to the filter as JSON text (strings as they are)', () => {
    expect(configText({ header: 'x', n: 1 })).toBe('{"header":"x","n":1}');
    expect(configText('raw text')).toBe('raw text');
    expect(configText(undefined)).toBe('');
  });
});

describe('loadProject', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'wf-project-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says how to get a project when there is none (not found)', async () => {
    await expect(loadProject(dir)).rejects.toMatchObject({ exitCode: 3, message: expect.stringContaining('no wasmfleet.yaml') });
  });

  it('reports YAML that does not parse as a usage error', async () => {
    writeFileSync(path.join(dir, 'wasmfleet.yaml'), 'name: [unclosed');
    await expect(loadProject(dir)).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('is not valid YAML') });
  });
});

describe('toolchain lookup', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'wf-toolchain-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("finds assemblyscript beside the CLI when the project has none", () => {
    const tc = findAssemblyScript(path.join(dir, 'empty-project'));
    expect(tc).toMatchObject({ ascVersion: '0.14.13', runtimeVersion: '0.1.8', from: { assemblyscript: 'cli', runtime: 'cli' } });
  });

  it("prefers the project's own node_modules, and refuses an assemblyscript that cannot compile the SDK", () => {
    const project = path.join(dir, 'newer-as');
    mkdirSync(path.join(project, 'node_modules', 'assemblyscript'), { recursive: true });
    writeFileSync(path.join(project, 'node_modules', 'assemblyscript', 'package.json'), '{"name":"assemblyscript","version":"0.27.1"}');
    expect(() => findAssemblyScript(project)).toThrow('assemblyscript 0.27.1 found');
    try {
      findAssemblyScript(project);
    } catch (err) {
      expect((err as { hint?: string }).hint).toContain('npm install --save-exact assemblyscript@0.14.13 @solo-io/proxy-runtime@0.1.8');
    }
  });

  it('says how to install clang when it is missing', () => {
    expect(() => findCToolchain({ PATH: path.join(dir, 'nothing-here') })).toThrow('clang-14 not found: apt-get install clang-14 lld-14');
    expect(findCToolchain({ PATH: process.env.PATH }).cc).toMatch(/clang/);
  });
});
