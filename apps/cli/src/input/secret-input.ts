// Reading a username and a password without ever echoing the password: from stdin (--password-stdin, the
// scriptable way, as `docker login` does) or a prompt on the terminal with echo off.
import readline from 'node:readline';
import { Writable } from 'node:stream';

const MAX_STDIN_BYTES = 64 * 1024;

/** All of stdin, without the trailing newline(s). */
export async function readStdinSecret(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_STDIN_BYTES) throw new Error(`more than ${MAX_STDIN_BYTES} bytes on stdin: expected one password`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/[\r\n]+$/, '');
}

export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/** Asks on the terminal (prompt on stderr); with `hidden` nothing typed is echoed. */
export function prompt(question: string, hidden = false): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = readline.createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      if (hidden) process.stderr.write('\n');
      resolve(answer);
    });
    muted = hidden;
  });
}
