import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, it } from 'node:test';
import { startTestStack, tempStateDir } from '../../helpers/local-stack.ts';

const TCP_LISTEN = '0A';

/** An address from /proc/net/tcp{,6}: 32-bit words of hex, each in host (little-endian) order. */
function procAddress(hex: string): string {
  const bytes = (hex.match(/.{8}/g) ?? []).flatMap((word) => (word.match(/../g) ?? []).reverse());
  const octets = bytes.map((byte) => Number.parseInt(byte, 16));
  if (octets.length === 4) return octets.join('.');
  const mappedV4 = octets.slice(0, 10).every((octet) => octet === 0) && octets[10] === 255;
  if (mappedV4 && octets[11] === 255) return `::ffff:${octets.slice(12).join('.')}`;
  const groups = [];
  for (let index = 0; index < 16; index += 2) {
    groups.push((((octets[index] ?? 0) << 8) | (octets[index + 1] ?? 0)).toString(16));
  }
  const full = groups.join(':');
  return { '0:0:0:0:0:0:0:0': '::', '0:0:0:0:0:0:0:1': '::1' }[full] ?? full;
}

/** Every listening TCP socket on this machine's network namespace: its address and port. */
function listeningSockets(): { address: string; port: number }[] {
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((path) =>
    readFileSync(path, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[3] === TCP_LISTEN)
      .map((fields) => {
        const [address = '', port = ''] = (fields[1] ?? '').split(':');
        return { address: procAddress(address), port: Number.parseInt(port, 16) };
      }),
  );
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
}

function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1_000 });
    socket.on('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('timeout', () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('the local stack on the network', () => {
  it('listens on loopback only, on every port it opens', {
    skip: existsSync('/proc/net/tcp') ? false : 'needs /proc/net/tcp',
  }, async () => {
    const state = tempStateDir();
    const stack = await startTestStack({ LOCAL_STATE_DIR: state.path });
    try {
      const ports = [stack.httpUrl, stack.sqsEndpoint, stack.repostspaceEndpoint].map((url) =>
        Number(new URL(url).port),
      );
      const external = Object.values(networkInterfaces())
        .flat()
        .find((candidate) => candidate && !candidate.internal && candidate.family === 'IPv4');

      const sockets = listeningSockets();
      const fromOutside = external
        ? await Promise.all(ports.map((port) => tryConnect(external.address, port)))
        : [];

      for (const port of ports) {
        const addresses = sockets.filter((socket) => socket.port === port);
        assert.ok(addresses.length > 0, `something listens on ${port}`);
        assert.deepEqual(
          addresses.filter((socket) => !isLoopback(socket.address)),
          [],
          `port ${port} listens beyond loopback`,
        );
      }
      for (const outcome of fromOutside) assert.equal(outcome, 'ECONNREFUSED');
    } finally {
      await stack.stop();
      state.cleanup();
    }
  });
});
