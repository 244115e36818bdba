// The servers compare.ts can run: which app file, which runtime starts it, and how it refuses a bad
// request. One table, so options, the launcher and the answer checks cannot disagree.

export type Runtime = 'node' | 'bun';

export interface ServerSpec {
  /** The app in bench/apps/, without `.ts`: two servers may share one (loopwise and loopwise-bun). */
  app: string;
  /** node: `node --import tsx <app>`; bun: `node_modules/.bin/bun <app>` (Bun runs TypeScript itself). */
  runtime: Runtime;
  /** The status it answers a non-integer id or an invalid body with (Fastify's validation says 400). */
  rejects: 400 | 422;
}

export const SERVER_SPECS = {
  'raw-http': { app: 'raw-http', runtime: 'node', rejects: 422 },
  fastify: { app: 'fastify', runtime: 'node', rejects: 400 },
  loopwise: { app: 'loopwise', runtime: 'node', rejects: 422 },
  hono: { app: 'hono', runtime: 'node', rejects: 422 },
  express: { app: 'express', runtime: 'node', rejects: 422 },
  'loopwise-noguard': { app: 'loopwise-noguard', runtime: 'node', rejects: 422 },
  'bun-serve': { app: 'bun-serve', runtime: 'bun', rejects: 422 },
  elysia: { app: 'elysia', runtime: 'bun', rejects: 422 },
  // The same file as `loopwise`, started by bun: whichever front door loopwise picks on Bun.
  'loopwise-bun': { app: 'loopwise', runtime: 'bun', rejects: 422 },
} as const satisfies Record<string, ServerSpec>;

export type ServerName = keyof typeof SERVER_SPECS;
export const SERVERS = Object.keys(SERVER_SPECS) as ServerName[];

/**
 * What `--servers` defaults to: the bar, Fastify and loopwise on Node, and the Bun three (issue 23's
 * table). Hono, Express and loopwise-noguard are opt-in: 9 servers would take 12+ minutes a run.
 */
export const DEFAULT_SERVERS: readonly ServerName[] = ['raw-http', 'fastify', 'loopwise', 'bun-serve', 'elysia', 'loopwise-bun'];

export function runtimeOf(name: ServerName): Runtime {
  return SERVER_SPECS[name].runtime;
}
