/**
 * Ports for nodes and proxy links, asked of the OS (bind 127.0.0.1:0) and held by a socket until
 * the moment they are handed over, so nothing else in this process can get them. A process-wide
 * registry keeps every port of a live scenario, so scenarios running at the same time never share
 * one even after the holding socket is closed.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { Proto } from './types.js';

const inUse = new Set<number>();

export interface PortLease {
  port: number;
  /** Closes the holding socket: call right before the owner binds the port. */
  unbind(): Promise<void>;
  /** Gives the port back to the registry (at the end of the scenario). */
  free(): void;
}

export async function leasePort(proto: Proto): Promise<PortLease> {
  const held: (() => Promise<void>)[] = [];
  try {
    for (let attempt = 0; attempt < 50; attempt++) {
      const { port, close } = await bindAny(proto);
      if (inUse.has(port)) {
        held.push(close); // keep it bound so the OS offers another one
        continue;
      }
      inUse.add(port);
      let bound = true;
      return {
        port,
        unbind: async () => {
          if (bound) {
            bound = false;
            await close();
          }
        },
        free: () => {
          if (bound) void close();
          bound = false;
          inUse.delete(port);
        },
      };
    }
    throw new Error('could not find a free port after 50 attempts');
  } finally {
    await Promise.all(held.map((c) => c()));
  }
}

function bindAny(proto: Proto): Promise<{ port: number; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    if (proto === 'udp') {
      const sock = dgram.createSocket('udp4');
      sock.once('error', reject);
      sock.bind(0, '127.0.0.1', () => resolve({ port: sock.address().port, close: () => new Promise((r) => sock.close(() => r())) }));
      return;
    }
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({ port, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

export function portsInUse(): number {
  return inUse.size;
}
