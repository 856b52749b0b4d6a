import type { Server } from 'node:net';

/**
 * Starts `server` listening on `host:port`. Rejects with the listen error (`EADDRINUSE`, …)
 * instead of letting the server emit it, which would crash the process with a stack trace.
 */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
