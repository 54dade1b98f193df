/**
 * Whether something listens on a port, read from a network namespace's /proc/<pid>/net tables
 * instead of connecting: a probe connection would be a client of the server under test (it would
 * change CountActive/CountDropped-style counters). One implementation for both backends: the local
 * one reads /proc/net, the Docker one its run container's init's /proc/<pid>/net.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Proto } from '../core/net.js';

/** `true`/`false` from the tables in `netDir`; `undefined` when none of them could be read. */
export async function listeningIn(netDir: string, port: number, proto: Proto): Promise<boolean | undefined> {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  let readable = false;
  for (const f of proto === 'tcp' ? ['tcp', 'tcp6'] : ['udp', 'udp6']) {
    let text: string;
    try {
      text = await fs.readFile(path.join(netDir, f), 'utf8');
      readable = true;
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // sl local_address rem_address st …; TCP LISTEN is 0A, an unconnected UDP socket is 07.
      if (cols[1]?.endsWith(`:${hex}`) && cols[3] === (proto === 'tcp' ? '0A' : '07')) return true;
    }
  }
  return readable ? false : undefined;
}
