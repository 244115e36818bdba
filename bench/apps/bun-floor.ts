// The floor under any framework on Bun: Bun.serve answering GET /json with the same bytes every
// time, no routing or serializing in JavaScript. bench/pair-cpu.sh measures it against
// bun-floor-loaded.ts (the same, in a process that has loaded and compiled the loopwise bench app)
// to tell what loopwise's code costs per request by being in the process at all (bench/RESULTS.md).
// Run by `bun` only.
interface BunGlobal {
  serve(options: { port: number; hostname: string; routes: Record<string, Record<string, () => Response>>; fetch: () => Response }): { port: number };
}
const { Bun } = globalThis as unknown as { Bun: BunGlobal };

const init = { status: 200, headers: { 'content-type': 'application/json' } };
const server = Bun.serve({
  port: Number(process.env.PORT ?? 3000),
  hostname: '127.0.0.1',
  routes: { '/json': { GET: () => new Response('{"message":"hello"}', init) } },
  fetch: () => new Response('{"detail":"Not Found"}', { status: 404 }),
});
process.stdout.write(`ready ${server.port}\n`);
