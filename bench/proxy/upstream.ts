// The proxy benchmark's upstream: a bare node:http server in its own process (so the proxy's CPU is only
// the proxy's), answering every request 200 with a small fixed body. Prints one JSON line {"port"} on
// stdout when listening; exits on SIGTERM/SIGINT or when its stdin closes.
import http from 'node:http';

const BODY = Buffer.from('hello from the wasmfleet bench upstream\n');

const server = http.createServer((req, res) => {
  // Drain any request body, then answer; no per-request allocation beyond what node:http does.
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
  res.end(BODY);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
});

const stop = () => {
  server.closeAllConnections();
  server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// run.ts gives us a pipe on stdin: when it closes, the orchestrator is gone (even if it was SIGKILLed).
if (!process.stdin.isTTY) {
  process.stdin.on('end', stop).on('error', stop).resume();
}
