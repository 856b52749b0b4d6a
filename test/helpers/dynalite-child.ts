// Runs dynalite in its own process, as DynamoDB is a remote service, and reports its address;
// asked over IPC, it reports the calls it answered: per operation, those on `RATE#` items apart.
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

export interface DynaliteCallStats {
  /** `<operation>` or `<operation> RATE#`: how many were answered, and in how many ms in all. */
  [operation: string]: { count: number; totalMs: number };
}

const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
const calls: DynaliteCallStats = {};
server.on('request', (request, response) => {
  const started = performance.now();
  const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
  let rate = false;
  request.on('data', (chunk: Buffer) => {
    rate ||= chunk.includes('RATE#');
  });
  response.on('finish', () => {
    const key = rate ? `${operation} RATE#` : operation;
    const entry = calls[key] ?? { count: 0, totalMs: 0 };
    entry.count++;
    entry.totalMs += performance.now() - started;
    calls[key] = entry;
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ address: `http://127.0.0.1:${port}` })}\n`);
});
process.on('message', (message) => {
  if (message === 'calls') process.send?.(calls);
  if (message === 'reset') for (const key of Object.keys(calls)) delete calls[key];
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
