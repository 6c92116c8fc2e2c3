import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConnectionUrl, ConnectionUrlError, redact } from './connection-url.js';

test('sqlite URLs: memory, relative and absolute paths', () => {
  assert.equal(parseConnectionUrl('sqlite://').database, ':memory:');
  assert.equal(parseConnectionUrl('sqlite:///data/glance.sqlite').database, 'data/glance.sqlite');
  assert.equal(parseConnectionUrl('sqlite:////var/lib/glance/glance.sqlite').database, '/var/lib/glance/glance.sqlite');
  assert.equal(parseConnectionUrl('sqlite+pysqlite:////tmp/x.db').driver, 'pysqlite');
});

test('mysql+pymysql URL with percent-encoded credentials and query options', () => {
  const u = parseConnectionUrl('mysql+pymysql://glance:p%40ss%3Aw0rd@db.example:3307/glance?charset=utf8&read_timeout=5');
  assert.deepEqual(u, {
    dialect: 'mysql', driver: 'pymysql', user: 'glance', password: 'p@ss:w0rd',
    host: 'db.example', port: 3307, database: 'glance', query: { charset: 'utf8', read_timeout: '5' },
  });
});

test('mysql URL without port or password; unencoded @ in password', () => {
  const u = parseConnectionUrl('mysql://root@127.0.0.1/glance');
  assert.equal(u.user, 'root');
  assert.equal(u.password, null);
  assert.equal(u.port, null);
  assert.equal(parseConnectionUrl('mysql://u:a@b@h/db').password, 'a@b');
});

test('postgresql and postgresql+psycopg2 URLs', () => {
  const u = parseConnectionUrl('postgresql+psycopg2://glance:secret@[::1]:5433/glance');
  assert.equal(u.dialect, 'postgresql');
  assert.equal(u.host, '::1');
  assert.equal(u.port, 5433);
  assert.equal(parseConnectionUrl('postgresql://postgres@127.0.0.1/x').dialect, 'postgresql');
  assert.equal(parseConnectionUrl('postgres://postgres@127.0.0.1/x').dialect, 'postgresql');
});

test('unknown dialects and drivers are rejected with a clear error', () => {
  assert.throws(() => parseConnectionUrl('oracle://u@h/db'), (e: unknown) =>
    e instanceof ConnectionUrlError && /Unsupported database dialect 'oracle'/.test(e.message));
  assert.throws(() => parseConnectionUrl('mysql+nosuch://u@h/db'), /Unknown driver 'nosuch'/);
  assert.throws(() => parseConnectionUrl('not a url'), /Invalid database connection URL/);
  assert.throws(() => parseConnectionUrl('mysql://u@h:99999/db'), /Invalid port/);
});

test('redact hides the password', () => {
  assert.equal(redact('mysql+pymysql://glance:secret@h/db'), 'mysql+pymysql://glance:***@h/db');
});
