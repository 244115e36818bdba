// The Bun bar: the three bench routes on bare Bun.serve, the Bun twin of raw-http.ts. Bun's own
// router (`routes`, with per-method handlers), `Response.json`, and the same hand-written checks as
// raw-http: the id must be a 15-digit-at-most integer, the body a string `name` and an integer
// `age`; anything else gets 422, and only the declared fields go back.
// Run by `bun` only: the bench starts it with node_modules/.bin/bun.

// The repo has no Bun type definitions (they are not a dependency): just what this file uses.
interface BunRequest extends Request {
  params: Record<string, string>;
}
type Handler = (request: BunRequest) => Response | Promise<Response>;
interface BunGlobal {
  serve(options: {
    port: number;
    hostname: string;
    routes: Record<string, Handler | Partial<Record<'GET' | 'POST', Handler>>>;
    fetch: (request: Request) => Response;
  }): { port: number };
}
const { Bun } = globalThis as unknown as { Bun: BunGlobal };

const INTEGER = /^-?\d{1,15}$/; // 15 digits: always a safe integer, as in raw-http.ts

function invalid(where: string): Response {
  return Response.json({ detail: [{ loc: where.split('.'), msg: 'invalid' }] }, { status: 422 });
}

async function echo(request: Request): Promise<Response> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return invalid('body');
  }
  const { name, age } = (body ?? {}) as { name?: unknown; age?: unknown };
  if (typeof name !== 'string') return invalid('body.name');
  if (typeof age !== 'number' || !Number.isInteger(age)) return invalid('body.age');
  return Response.json({ name, age });
}

const server = Bun.serve({
  port: Number(process.env.PORT ?? 3000),
  hostname: '127.0.0.1',
  routes: {
    // Serialized per request, as the frameworks do: a precomputed Response would not be a fair bar.
    '/json': { GET: () => Response.json({ message: 'hello' }) },
    '/users/:id': {
      GET: (request) => {
        const id = request.params.id!;
        return INTEGER.test(id) ? Response.json({ id: Number(id) }) : invalid('path.id');
      },
    },
    '/echo': { POST: echo },
  },
  fetch: () => Response.json({ detail: 'Not Found' }, { status: 404 }),
});

process.stdout.write(`ready ${server.port}\n`);
