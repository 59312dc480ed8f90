// Loopback ports for tests that need somewhere nobody listens.
import * as net from 'node:net';

/** A port on 127.0.0.1 that nobody listens on (fetch forbids some low ports outright, hence not 1 or 9). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
