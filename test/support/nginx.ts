// A real nginx in front of a test's app: its own config and logs in a temp dir, a free
// 127.0.0.1 port, stopped by its pid. No mocks of the proxy.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './cli-process.js';
import { tryConnect } from './try-connect.js';

const NGINX = '/usr/sbin/nginx';

export interface Nginx {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** A reason to skip, or false when nginx is installed; under LOOPWISE_REQUIRE_REDIS=1 a missing nginx fails. */
export function nginxMissing(): string | false {
  const installed = spawnSync(NGINX, ['-v'], { stdio: 'ignore' }).status === 0;
  if (installed) return false;
  if (process.env.LOOPWISE_REQUIRE_REDIS === '1') throw new Error('nginx is required (LOOPWISE_REQUIRE_REDIS=1) but not installed at /usr/sbin/nginx');
  return 'nginx is not installed (Debian package nginx; .ci/run installs it)';
}

/**
 * Starts nginx with `locations` (nginx `location` blocks, the test's own) inside one server on a
 * free port. The config is checked (`nginx -t`) first so a mistake shows nginx's own message.
 */
export async function startNginx(locations: string): Promise<Nginx> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'loopwise-nginx-'));
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `error_log ${dir}/error.log warn;
worker_processes 1;
events { worker_connections 64; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
${locations}
  }
}
`,
  );
  const args = ['-p', dir, '-c', conf, '-e', `${dir}/error.log`, '-g', `daemon off; pid ${dir}/nginx.pid;`];
  const check = spawnSync(NGINX, ['-t', ...args], { encoding: 'utf8' });
  if (check.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx refused the test's config:\n${check.stderr}`);
  }
  const child: ChildProcess = spawn(NGINX, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Bounded: up to 10 s for a busy machine, then the test fails with nginx's own words.
  let state = '';
  for (let attempt = 0; attempt < 200 && state !== 'connected' && child.exitCode === null; attempt++) {
    state = await tryConnect(port, 1_000);
    if (state !== 'connected') await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (state !== 'connected') {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx did not start on port ${port} (${state}):\n${stderr}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid!, 'SIGQUIT');
        // A graceful stop that hangs is cut: the test must end by itself.
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
