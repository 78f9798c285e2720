import { describe, expect, it } from 'vitest';
import { compileWat } from '../test-support/compile-fixture.js';
import { GuestMemory, GuestMemoryError } from './guest-memory.js';

function attached(): { mem: GuestMemory; bytes: Uint8Array; memory: WebAssembly.Memory } {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const mem = new GuestMemory();
  mem.attach(memory, () => 0);
  return { mem, bytes: new Uint8Array(memory.buffer), memory };
}

describe('GuestMemory latin1 reads', () => {
  it('reads what the bytes hold now, also at an address read before with other bytes', () => {
    const { mem, bytes } = attached();
    bytes.set(Buffer.from('x-one', 'latin1'), 100);
    expect(mem.latin1(100, 5)).toBe('x-one');
    expect(mem.latin1(100, 5)).toBe('x-one');
    bytes.set(Buffer.from('x-two', 'latin1'), 100);
    expect(mem.latin1(100, 5)).toBe('x-two');
    expect(mem.latin1(100, 3)).toBe('x-t');
    bytes.set([0xe9, 0xff], 100);
    expect(mem.latin1(100, 2)).toBe('\u00e9\u00ff');
  });

  it('reads long strings, and after the memory grew', () => {
    const { mem, bytes, memory } = attached();
    const long = 'v'.repeat(300);
    bytes.set(Buffer.from(long, 'latin1'), 0);
    expect(mem.latin1(0, 300)).toBe(long);
    memory.grow(1);
    new Uint8Array(memory.buffer).set(Buffer.from('grown', 'latin1'), 70000);
    expect(mem.latin1(70000, 5)).toBe('grown');
    expect(mem.latin1(0, 3)).toBe('vvv');
  });

  it('sees memory the module grew itself (memory.grow inside Wasm)', () => {
    const wat = `(module (memory (export "memory") 1)
      (func (export "grow_and_store") (result i32)
        (drop (memory.grow (i32.const 1)))
        (i32.store8 (i32.const 70000) (i32.const 0x41))
        (i32.const 70000)))`;
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(compileWat(wat)));
    const mem = new GuestMemory();
    mem.attach(exports.memory as WebAssembly.Memory, () => 0);
    expect(mem.latin1(10, 1)).toBe('\0');
    const ptr = (exports.grow_and_store as () => number)();
    expect(mem.latin1(ptr, 1)).toBe('A');
  });

  it('refuses a range outside memory', () => {
    const { mem } = attached();
    expect(() => mem.latin1(65530, 10)).toThrow(GuestMemoryError);
  });
});
