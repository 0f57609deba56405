/**
 * What the figures were measured on: CPU, cores, memory, load average when the
 * run started, and the versions of Node and of the PostgreSQL, RabbitMQ and
 * Redis servers the benchmarks use (asked of the servers themselves over their
 * own protocols, with no client library; "unknown" when one does not answer
 * within a few seconds).
 */
import { Socket } from 'node:net';
import os from 'node:os';

export type Machine = {
  cpu: string;
  cores: number;
  memoryGiB: number;
  loadAverage: [number, number, number];
  os: string;
  node: string;
  postgresql: string;
  rabbitmq: string;
  redis: string;
};

const ANSWER_TIMEOUT_MS = 3_000;

/**
 * Opens a TCP connection, writes `hello`, and feeds what comes back to `read`
 * until it returns an answer; "unknown" on any error, close or timeout.
 */
function ask(host: string, port: number, hello: Buffer, read: (received: Buffer, socket: Socket) => string | undefined): Promise<string> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let received = Buffer.alloc(0);
    let done = false;
    const finish = (answer: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish('unknown (no answer)'), ANSWER_TIMEOUT_MS);
    socket.once('error', (error) => finish(`unknown (${error.message})`));
    socket.once('close', () => finish('unknown (connection closed)'));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      try {
        const answer = read(received, socket);
        if (answer !== undefined) finish(answer);
      } catch (error) {
        finish(`unknown (${error instanceof Error ? error.message : String(error)})`);
      }
    });
    socket.connect(port, host, () => socket.write(hello));
  });
}

function hostPort(url: string, defaultPort: number): { host: string; port: number; url: URL } {
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: parsed.port === '' ? defaultPort : Number(parsed.port), url: parsed };
}

/** PostgreSQL: a startup message; the server reports `server_version` once authenticated (trust, as tests use). */
export function postgresVersion(databaseUrl: string): Promise<string> {
  const { host, port, url } = hostPort(databaseUrl, 5432);
  const user = decodeURIComponent(url.username) || 'postgres';
  const database = decodeURIComponent(url.pathname.slice(1)) || 'postgres';
  const body = Buffer.from(`user\0${user}\0database\0${database}\0application_name\0hub-bench\0\0`);
  const startup = Buffer.alloc(8 + body.length);
  startup.writeInt32BE(startup.length, 0);
  startup.writeInt32BE(196_608, 4); // protocol 3.0
  body.copy(startup, 8);
  return ask(host, port, startup, (received) => {
    let offset = 0;
    while (offset + 5 <= received.length) {
      const type = String.fromCharCode(received[offset] ?? 0);
      const length = received.readInt32BE(offset + 1);
      if (offset + 1 + length > received.length) return undefined;
      const payload = received.subarray(offset + 5, offset + 1 + length);
      if (type === 'E') return 'unknown (refused the connection)';
      if (type === 'R' && payload.readInt32BE(0) !== 0) return 'unknown (asks for a password)';
      if (type === 'S') {
        const [name, value] = payload.toString('utf8').split('\0');
        if (name === 'server_version' && value !== undefined) return value;
      }
      offset += 1 + length;
    }
    return undefined;
  });
}

/** RabbitMQ: the AMQP 0-9-1 protocol header; the server's Connection.Start names its version. */
export function rabbitmqVersion(amqpUrl: string): Promise<string> {
  const { host, port } = hostPort(amqpUrl, 5672);
  return ask(host, port, Buffer.from('AMQP\x00\x00\x09\x01', 'latin1'), (received) => {
    // Server properties: a field table; "version" is a long string ('S', 4-byte length, bytes).
    const at = received.indexOf(Buffer.from('\x07versionS', 'latin1'));
    if (at === -1 || at + 13 > received.length) return undefined;
    const length = received.readUInt32BE(at + 9);
    if (at + 13 + length > received.length) return undefined;
    const product = received.includes(Buffer.from('RabbitMQ')) ? '' : ' (not RabbitMQ)';
    return `${received.subarray(at + 13, at + 13 + length).toString('utf8')}${product}`;
  });
}

/** Redis: `INFO server` (after AUTH when the URL has a password). */
export function redisVersion(redisUrl: string): Promise<string> {
  const { host, port, url } = hostPort(redisUrl, 6379);
  const password = decodeURIComponent(url.password);
  const username = decodeURIComponent(url.username);
  const auth = password === '' ? '' : `AUTH ${username === '' ? '' : `${username} `}${password}\r\n`;
  return ask(host, port, Buffer.from(`${auth}INFO server\r\n`), (received) => {
    const text = received.toString('utf8');
    const version = /redis_version:([^\r\n]+)\r\n/.exec(text)?.[1];
    if (version !== undefined) return version;
    if (/^-|\r\n-/.test(text)) return `unknown (${text.split('\r\n').find((line) => line.startsWith('-'))?.slice(1) ?? 'error'})`;
    return undefined;
  });
}

/** The servers the benchmarks use: the variables tests read, with the same local defaults. */
export function serverUrls(env: NodeJS.ProcessEnv): { postgresql: string; amqp: string; redis: string } {
  return {
    postgresql: env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
    amqp: env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    redis: env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
}

/** Describes this machine now (the load average is the one at this moment). */
export async function describeMachine(env: NodeJS.ProcessEnv): Promise<Machine> {
  const urls = serverUrls(env);
  const cpus = os.cpus();
  const [l1, l5, l15] = os.loadavg();
  const [postgresql, rabbitmq, redis] = await Promise.all([postgresVersion(urls.postgresql), rabbitmqVersion(urls.amqp), redisVersion(urls.redis)]);
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: [l1 ?? 0, l5 ?? 0, l15 ?? 0],
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    postgresql,
    rabbitmq,
    redis,
  };
}

/** The machine as a markdown list. */
export function renderMachine(machine: Machine): string {
  const load = machine.loadAverage.map((value) => value.toFixed(2)).join(', ');
  return [
    `- CPU: ${machine.cpu}, ${machine.cores} cores available`,
    `- Memory: ${machine.memoryGiB} GiB`,
    `- Load average when the run started (1, 5, 15 min): ${load}`,
    `- OS: ${machine.os}`,
    `- Node ${machine.node}; PostgreSQL ${machine.postgresql}; RabbitMQ ${machine.rabbitmq}; Redis ${machine.redis}`,
    ...(machine.loadAverage[0] > machine.cores
      ? [`- **Busy machine**: the load average exceeded the ${machine.cores} cores when the run started; other work competed, so trust the ratios more than the figures`]
      : []),
  ].join('\n');
}
