// A throwaway redis-server (Debian's package) for the BullMQ tests and benchmark: a unix
// socket in a temporary directory (no port to collide on), no persistence. Resolves once
// the server says it accepts connections.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_URL_VARIABLE = 'INTERRUPTIBLE_REDIS_URL';

/** Connection options (ioredis style) for a URL: redis://host:port, or unix:///path (or a bare path). */
export function connectionFor(url) {
  if (url.startsWith('unix://')) return { path: url.slice('unix://'.length), maxRetriesPerRequest: null };
  if (url.startsWith('/')) return { path: url, maxRetriesPerRequest: null };
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 6379), maxRetriesPerRequest: null };
}

export async function startRedis() {
  const dir = mkdtempSync(join(tmpdir(), 'interruptible-redis-'));
  const socket = join(dir, 'redis.sock');
  const args = ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--dir', dir, '--save', '', '--appendonly', 'no'];
  let child;
  try {
    child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let log = '';
  await new Promise((resolve, reject) => {
    const onData = (chunk) => {
      log += chunk;
      if (/ready to accept connections/i.test(log)) {
        child.stdout.off('data', onData);
        resolve();
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', (chunk) => (log += chunk));
    child.once('error', (error) =>
      reject(new Error(`could not start redis-server (${error.message}); install it (apt-get install redis-server) or set ${REDIS_URL_VARIABLE}`, { cause: error })));
    child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}:\n${log}`)));
  }).catch((error) => {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  child.stdout.resume();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    url: `unix://${socket}`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
