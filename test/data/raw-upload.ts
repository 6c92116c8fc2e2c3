/**
 * An image upload written by hand on a raw TCP socket, for what an HTTP client library will not
 * do on purpose: send part of the declared body and stop, hang up mid-body, or hold the body
 * back while something else happens on the server.
 */
import { connect, type Socket } from 'node:net';
import { identityHeaders, type RefUser } from '../api/api-harness.js';

/** A parsed HTTP response. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** An upload in progress on its own socket. */
export interface RawUpload {
  socket: Socket;
  /** Writes body bytes, resolving once the socket has taken them. */
  send(bytes: Buffer): Promise<void>;
  /** The response, once its head and `Content-Length` bytes have arrived (rejects if none comes). */
  response: Promise<RawResponse>;
  /** Hangs up at once, as a killed client does. */
  destroy(): void;
}

/** Options of {@link openUpload}. */
export interface RawUploadOptions {
  user?: RefUser;
  /** Declared Content-Length. */
  contentLength: number;
  path?: 'file' | 'stage';
}

function parse(raw: Buffer): RawResponse | null {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) return null;
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const body = raw.subarray(end + 4);
  if (body.length < length) return null;
  return { status: Number(statusLine!.split(' ')[1]), headers, body: body.subarray(0, length).toString('utf8') };
}

/** Connects to `port` and sends the head of `PUT /v2/images/{id}/file` (or `/stage`). */
export async function openUpload(port: number, id: string, opts: RawUploadOptions): Promise<RawUpload> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const chunks: Buffer[] = [];
  const response = new Promise<RawResponse>((resolve, reject) => {
    const check = (): void => {
      const parsed = parse(Buffer.concat(chunks));
      if (parsed) resolve(parsed);
    };
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      check();
    });
    socket.on('close', () => reject(new Error(`connection closed before a full response: ${Buffer.concat(chunks).toString('latin1')}`)));
  });
  // A write failing after the server answered is expected; the response says what happened.
  socket.on('error', () => undefined);
  response.catch(() => undefined);
  const headers: Record<string, string> = {
    host: `127.0.0.1:${port}`,
    accept: 'application/json',
    'content-type': 'application/octet-stream',
    'content-length': String(opts.contentLength),
    ...identityHeaders(opts.user ?? 'demo'),
  };
  const head = [`PUT /v2/images/${id}/${opts.path ?? 'file'} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''];
  socket.write(head.join('\r\n'));
  return {
    socket,
    response,
    send: (bytes) => new Promise<void>((resolve, reject) => {
      socket.write(bytes, (err) => (err ? reject(err) : resolve()));
    }),
    destroy: () => socket.destroy(),
  };
}
