import { describe, expect, it } from 'vitest';
import { SseParser } from './sse.js';

describe('SseParser', () => {
  it('yields events however the text is split, skipping comments and remembering retry', () => {
    const wire = 'retry: 3000\n\n: keep-alive\n\nid: 1\nevent: rollout\ndata: {"id":"a/b",\ndata: "version":2}\n\nid: 2\r\nevent: rollout\r\ndata: x\r\n\r\n';
    for (const size of [1, 2, 5, 7, wire.length]) {
      const p = new SseParser();
      const events = [];
      for (let i = 0; i < wire.length; i += size) events.push(...p.push(wire.slice(i, i + size)));
      expect(events, `chunks of ${size}`).toEqual([
        { event: 'rollout', data: '{"id":"a/b",\n"version":2}', id: '1' },
        { event: 'rollout', data: 'x', id: '2' },
      ]);
      expect(p.retryMs).toBe(3000);
    }
  });

  it('names unnamed events "message", keeps data without a space after the colon, and ignores incomplete events', () => {
    const p = new SseParser();
    expect(p.push('data:plain\n\nevent: rollout\ndata: half')).toEqual([{ event: 'message', data: 'plain' }]);
    expect(p.push('\n')).toEqual([]);
    expect(p.push('\n')).toEqual([{ event: 'rollout', data: 'half' }]);
  });

  it('treats a lone CR as a line end, but waits when it may be half of CRLF', () => {
    const p = new SseParser();
    expect(p.push('data: a\r')).toEqual([]);
    expect(p.push('\r')).toEqual([]); // the blank line's CR might still be followed by LF
    expect(p.push('data: b\r\n\r\n')).toEqual([
      { event: 'message', data: 'a' },
      { event: 'message', data: 'b' },
    ]);
  });
});
