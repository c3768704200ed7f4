import { createServer, type Server, type Socket } from 'node:net';
import { ConfigError } from '../base/errors.js';
import { formatAddress, type NetAddress } from './address.js';

/** Listens, or fails with a one-line ConfigError naming `flag` (exit code 2). */
export function listenOn(flag: string, addr: NetAddress, onConnection: (s: Socket) => void): Promise<{ server: Server; bound: NetAddress }> {
  return new Promise((resolve, reject) => {
    const server = createServer(onConnection);
    server.once('error', (e: Error & { code?: string }) => {
      reject(new ConfigError(flag, `cannot listen on ${formatAddress(addr)}: ${e.code ?? e.message}`));
    });
    const ready = () => {
      const a = server.address();
      const bound: NetAddress = a !== null && typeof a === 'object' ? { kind: 'tcp', host: a.address, port: a.port } : addr;
      resolve({ server, bound });
    };
    if (addr.kind === 'unix') server.listen(addr.path, ready);
    else server.listen(addr.port, addr.host, ready);
  });
}
