/**
 * What the RabbitMQ notification tests share: whether the broker on 127.0.0.1:5672 is there
 * (and so whether to skip), a scratch vhost and user made with `rabbitmqctl` for one test run,
 * stopping and restarting the broker application, and a consumer that binds a queue the way a
 * Glance notification consumer (Ceilometer, Searchlight) does and records what arrives.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import { promisify } from 'node:util';
import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';

const run = promisify(execFile);

/** The broker the tests use. */
export const RABBIT = { host: '127.0.0.1', port: 5672 };

/** True when something accepts TCP connections on the broker's port within a second. */
export function rabbitReachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = netConnect({ host: RABBIT.host, port: RABBIT.port, timeout: 1000 });
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('timeout', () => { sock.destroy(); resolve(false); });
    sock.once('error', () => resolve(false));
  });
}

/**
 * The `skip` option for the tests: a reason when RabbitMQ is not reachable outside CI; under
 * CI (`CI=true`) never, so a missing broker fails the run instead of hiding it.
 */
export async function skipUnlessRabbit(): Promise<string | false> {
  if (process.env.CI === 'true' || await rabbitReachable()) return false;
  return `RabbitMQ is not reachable on ${RABBIT.host}:${RABBIT.port} (start it with: rabbitmq-server -detached)`;
}

/** Runs `rabbitmqctl` (needs root) and returns its output. */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 60_000 });
  return stdout;
}

/** A vhost and a user with rights on it only, unique to one test run. */
export interface Scratch {
  vhost: string;
  user: string;
  password: string;
  /** `rabbit://user:password@127.0.0.1:5672/vhost`, credentials percent-encoded. */
  url(hosts?: string[]): string;
  remove(): Promise<void>;
}

/** Creates the scratch vhost and user (so runs do not see each other's queues). */
export async function makeScratch(): Promise<Scratch> {
  const id = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const vhost = `glance-ts-test-${id}`;
  const user = `glance-ts-${id}`;
  // Characters that must be percent-encoded in the URL, and a marker the log checks look for.
  const password = `s3cr:et@${randomBytes(6).toString('hex')}`;
  const remove = async () => {
    await rabbitmqctl('delete_vhost', vhost).catch(() => {});
    await rabbitmqctl('delete_user', user).catch(() => {});
  };
  try {
    await rabbitmqctl('add_vhost', vhost);
    await rabbitmqctl('add_user', user, password);
    await rabbitmqctl('set_permissions', '-p', vhost, user, '.*', '.*', '.*');
  } catch (err) {
    await remove();
    throw err;
  }
  const creds = `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
  return {
    vhost,
    user,
    password,
    url: (hosts = [`${RABBIT.host}:${RABBIT.port}`]) => `rabbit://${hosts.map((h) => `${creds}@${h}`).join(',')}/${encodeURIComponent(vhost)}`,
    remove,
  };
}

/** One message as the consumer saw it. */
export interface Received {
  routingKey: string;
  exchange: string;
  properties: ConsumeMessage['properties'];
  body: unknown;
}

/**
 * Consumes `queue`, bound to `exchange` (a non-durable topic exchange, as oslo declares it by
 * default) with the queue's name as routing key, recording every message.
 */
export class Consumer {
  readonly received: Received[] = [];
  private model: ChannelModel | null = null;

  constructor(private readonly scratch: Scratch, private readonly exchange: string, private readonly queue: string) {}

  /** Connects, declares, binds and starts consuming; call again after a broker restart. */
  async start(): Promise<void> {
    await this.stop();
    const model = await connect({
      hostname: RABBIT.host, port: RABBIT.port, username: this.scratch.user, password: this.scratch.password,
      vhost: encodeURIComponent(this.scratch.vhost),
    });
    model.on('error', () => {});
    const ch: Channel = await model.createChannel();
    ch.on('error', () => {});
    await ch.assertExchange(this.exchange, 'topic', { durable: false, autoDelete: false });
    await ch.assertQueue(this.queue, { durable: false, autoDelete: false });
    await ch.bindQueue(this.queue, this.exchange, this.queue);
    await ch.consume(this.queue, (m) => {
      if (m === null) return;
      this.received.push({
        routingKey: m.fields.routingKey,
        exchange: m.fields.exchange,
        properties: m.properties,
        body: JSON.parse(m.content.toString('utf8')),
      });
    }, { noAck: true });
    this.model = model;
  }

  /** Waits until `count` messages have arrived (throws after `ms`). */
  async waitFor(count: number, ms = 10_000): Promise<Received[]> {
    const deadline = Date.now() + ms;
    while (this.received.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} messages on ${this.queue}, got ${this.received.length}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.received;
  }

  /** Closes the connection (what was received is kept). */
  async stop(): Promise<void> {
    const model = this.model;
    this.model = null;
    await model?.close().catch(() => {});
  }
}

/** Stops the broker application (connections are closed, the port refuses). */
export async function stopBroker(): Promise<void> {
  await rabbitmqctl('stop_app');
}

/** Starts the broker application again and waits until it accepts connections. */
export async function startBroker(): Promise<void> {
  await rabbitmqctl('start_app');
  const deadline = Date.now() + 30_000;
  while (!(await rabbitReachable())) {
    if (Date.now() > deadline) throw new Error('RabbitMQ did not come back');
    await new Promise((r) => setTimeout(r, 100));
  }
}
