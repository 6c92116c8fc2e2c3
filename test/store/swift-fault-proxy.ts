/**
 * A pass-through HTTP proxy in front of the real Swift that can be told to fail chosen requests
 * the way a busy or broken cluster does: answer 5xx (or 401) instead of forwarding, reset the
 * connection before answering, or forward the answer but cut its body off after some bytes.
 * Every request is logged (method, path, Range) so tests can see retries and resumed reads.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What to do to one matching request. */
export type Fault =
  | { kind: 'status'; status: number }
  | { kind: 'reset' }
  | { kind: 'cut'; afterBytes: number };

/** A fault for the next request that `match` accepts; used once. */
export interface FaultRule {
  match: (method: string, path: string) => boolean;
  fault: Fault;
}

/** One request as the proxy saw it. */
export interface ProxiedRequest {
  method: string;
  path: string;
  range: string | undefined;
  fault: Fault['kind'] | null;
}

/** A running proxy. */
export interface FaultProxy {
  origin: string;
  log: ProxiedRequest[];
  /** Queues faults, applied in order to the requests they match. */
  inject(...rules: FaultRule[]): void;
  close(): Promise<void>;
}

/** Starts a proxy to `target` (e.g. `http://127.0.0.1:8081`) on a free port. */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const to = new URL(target);
  const rules: FaultRule[] = [];
  const log: ProxiedRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const i = rules.findIndex((r) => r.match(method, path));
    const fault = i === -1 ? null : rules.splice(i, 1)[0]!.fault;
    log.push({ method, path, range: req.headers.range, fault: fault?.kind ?? null });
    if (fault?.kind === 'reset') { req.socket.destroy(); return; }
    if (fault?.kind === 'status') {
      req.resume();
      res.writeHead(fault.status, { 'content-length': '0' }).end();
      return;
    }
    const upstream = request({ host: to.hostname, port: to.port, method, path, headers: { ...req.headers, host: to.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      if (fault?.kind !== 'cut') { up.pipe(res); return; }
      let sent = 0;
      up.on('data', (chunk: Buffer) => {
        if (sent >= fault.afterBytes) return;
        const room = fault.afterBytes - sent;
        sent += chunk.length;
        if (sent < fault.afterBytes) { res.write(chunk); return; }
        // Exactly `afterBytes` reach the client, then the connection drops.
        up.destroy();
        res.write(chunk.subarray(0, room), () => res.socket?.destroy());
      });
      up.on('end', () => res.end());
    });
    upstream.on('error', () => res.socket?.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    log,
    inject: (...more) => { rules.push(...more); },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
