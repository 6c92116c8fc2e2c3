/**
 * Assertions on the WebOb-shaped JSON error bodies Glance answers with (`Accept:
 * application/json`): `{"message": "<explanation><br /><br />\n<detail>\n\n", "code": "<status>",
 * "title": "<reason>"}`, where a Glance error raised with a positional text has WebOb's stock
 * explanation and the text as detail (ref 109).
 */
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { pyJson } from '../../src/http/py-json.js';

const STATUS: Record<number, { title: string; stock: string }> = {
  400: { title: 'Bad Request', stock: 'The server could not comply with the request since it is either malformed or otherwise incorrect.' },
  403: { title: 'Forbidden', stock: 'Access was denied to this resource.' },
  404: { title: 'Not Found', stock: 'The resource could not be found.' },
  409: { title: 'Conflict', stock: 'There was a conflict when trying to complete your request.' },
  413: { title: 'Request Entity Too Large', stock: 'The body of your request was too large for this server.' },
};

/** What an error body must say: its explanation, or (detail form) the stock text plus a detail. */
export type Expected = { message: string } | { detail: string } | { stock: true };

/** Asserts status, JSON content type and the exact error body. */
export function assertError(res: LightMyRequestResponse, status: number, expected: Expected): void {
  const s = STATUS[status]!;
  assert.equal(res.statusCode, status, res.body);
  assert.equal(res.headers['content-type'], 'application/json');
  let message: string;
  if ('message' in expected) message = `${expected.message}<br /><br />\n\n\n`;
  else if ('detail' in expected) message = `${s.stock}<br /><br />\n${expected.detail}\n\n`;
  else message = `${s.stock}<br /><br />\n\n\n`;
  assert.equal(res.body, pyJson({ message, code: `${status} ${s.title}`, title: s.title }));
}

/** The `message` of a JSON error body (for schema messages checked by prefix). */
export function errorMessage(res: LightMyRequestResponse): string {
  return (JSON.parse(res.body) as { message: string }).message;
}
