import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from './logger.js';
import { maskUrlCredentials, scrubLogArgument } from './redaction.js';

test('URL credentials lose their password, single and multi-host', () => {
  assert.equal(maskUrlCredentials('rabbit://glance:pw1@10.0.0.1:5672/'), 'rabbit://glance:***@10.0.0.1:5672/');
  assert.equal(
    maskUrlCredentials('rabbit://u1:p1@h1:5672,u2:p2@h2:5672/vhost'),
    'rabbit://u1:***@h1:5672,u2:***@h2:5672/vhost',
  );
  assert.equal(maskUrlCredentials('mysql+pymysql://glance:s3cr%40t@db/glance?charset=utf8'), 'mysql+pymysql://glance:***@db/glance?charset=utf8');
  assert.equal(maskUrlCredentials('see http://example.com/a:b@c and x'), 'see http://example.com/a:b@c and x');
  assert.equal(maskUrlCredentials('s3://AKIDEXAMPLE:wJalr/K7MDENG+bPxRfi@s3.example.com/bucket/key'), 's3://AKIDEXAMPLE:***@s3.example.com/bucket/key');
  assert.equal(maskUrlCredentials('http://127.0.0.1:9292/v2/images'), 'http://127.0.0.1:9292/v2/images');
});

test('log arguments are copied only when a credential is masked', () => {
  const clean = { path: '/v2/images', status: 200 };
  assert.equal(scrubLogArgument(clean), clean);
  const dirty = { url: 'amqp://a:b@h/', list: ['x', 'mysql://u:v@h/db'], n: 1 };
  assert.deepEqual(scrubLogArgument(dirty), { url: 'amqp://a:***@h/', list: ['x', 'mysql://u:***@h/db'], n: 1 });
  assert.equal(dirty.url, 'amqp://a:b@h/', 'the caller\'s object is not modified');
  const err = new Error('x');
  assert.equal(scrubLogArgument(err), err);
});

test('the process logger writes no token, password or URL credential, whichever way it is logged', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'glance-log-'));
  try {
    const file = join(dir, 'api.log');
    const { logger, flush } = createLogger({ debug: true, logFile: file });
    const secrets = ['TokAAA111', 'TokBBB222', 'TokCCC333', 'PwDDD444', 'PwEEE555', 'PwFFF666', 'PwGGG777', 'TokHHH888'];
    logger.info({ req: { method: 'GET', headers: { 'x-auth-token': secrets[0], 'X-Subject-Token': 'kept-case', accept: 'application/json' } } }, 'request');
    logger.info({ headers: { 'x-service-token': secrets[1], 'x-subject-token': secrets[2] } }, 'bare headers');
    logger.child({ component: 'c' }).info({ ctx: { authToken: secrets[7], userId: 'u1' }, password: secrets[3] }, 'context');
    logger.info({ transport_url: `rabbit://glance:${secrets[4]}@127.0.0.1:5672/` }, 'notifier');
    logger.warn(`Database mysql+pymysql://glance:${secrets[5]}@db/glance not reachable`);
    logger.debug({ options: [`  oslo_messaging_notifications.transport_url = "rabbit://a:${secrets[6]}@h/"`, '  DEFAULT.debug = true'] }, 'configuration options');
    // The file destination opens and writes asynchronously: wait for all six lines.
    let text = '';
    for (let i = 0; i < 100 && text.split('\n').length <= 6; i++) {
      await new Promise((r) => setTimeout(r, 20));
      flush();
      text = await readFile(file, 'utf8').catch(() => '');
    }
    for (const s of secrets) assert.ok(!text.includes(s), `${s} must not be logged:\n${text}`);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    assert.equal(lines.length, 6);
    assert.equal(lines[0]!.req.headers['x-auth-token'], '***');
    assert.equal(lines[0]!.req.headers.accept, 'application/json', 'other headers are kept');
    assert.equal(lines[2]!.ctx.userId, 'u1');
    assert.match(lines[5]!.options[0], /rabbit:\/\/a:\*\*\*@h\//);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
