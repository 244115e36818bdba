// The files `loopwise new` writes, as text. They live here, as strings, so the build ships them in
// dist/ with no copy step, and loopwise's own type check never sees the starter's `import 'loopwise'`;
// test/cli/new-command.test.ts type-checks and runs a generated project instead.

export interface StarterSettings {
  /** The npm package name, also the app's title. */
  name: string;
  /** Version ranges for package.json, e.g. `{ loopwise: '^0.1.0', typescript: '^5.9.3', … }`. */
  versions: { loopwise: string; typescript: string; '@types/node': string; tsx: string; 'swagger-ui-dist': string; 'pino-pretty': string };
  /** loopwise's own `engines.node`. */
  node: string;
}

/** Every file of a new project, by its path relative to the project directory. */
export function starterFiles(settings: StarterSettings): Record<string, string> {
  return {
    'package.json': packageJson(settings),
    'tsconfig.json': TSCONFIG,
    'app.ts': appTs(settings.name),
    'test/app.test.ts': appTestTs(settings.name),
    'README.md': readme(settings.name),
    '.gitignore': GITIGNORE,
  };
}

function packageJson({ name, versions, node }: StarterSettings): string {
  const manifest = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: { node },
    scripts: {
      dev: 'loopwise dev app.ts',
      start: 'loopwise run app.ts',
      test: 'node --import tsx --test test/*.test.ts',
      typecheck: 'tsc --noEmit',
    },
    // swagger-ui-dist serves /docs (an optional piece of loopwise); /redoc asks for \`npm install redoc\` if you want it.
    dependencies: { loopwise: versions.loopwise, 'swagger-ui-dist': versions['swagger-ui-dist'] },
    // tsx runs the tests (and the app on Node 20); pino-pretty makes \`loopwise dev\`'s logs readable.
    devDependencies: {
      '@types/node': versions['@types/node'],
      'pino-pretty': versions['pino-pretty'],
      tsx: versions.tsx,
      typescript: versions.typescript,
    },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

const TSCONFIG = `{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "lib": ["ES2023"],
    "types": ["node"],
    "strict": true,
    "verbatimModuleSyntax": true,
    "erasableSyntaxOnly": true,
    "skipLibCheck": true,
    "noEmit": true
  },
  "include": ["**/*.ts"]
}
`;

function appTs(name: string): string {
  return `import { App, HTTPException, endpoint, t, type Static } from 'loopwise';

// Declare a shape once: it validates requests, types handlers and filters responses.
const ItemIn = t.Object({
  name: t.String({ minLength: 1 }),
  price: t.Number({ minimum: 0 }),
});
const Item = t.Object({ id: t.Integer(), name: t.String(), price: t.Number() });
const NotFound = t.Object({ detail: t.String() });

// An in-memory store keeps the starter self-contained: put your database here.
const items = new Map<number, Static<typeof Item>>([[1, { id: 1, name: 'Pen', price: 2.5 }]]);
let nextId = 2;

// Each route is a value (FastAPI's path operation), added to the app below.
const hello = endpoint.get('/', async () => ({ message: 'Hello from ${name}' }));

const getItem = endpoint.get(
  '/items/:id',
  { params: t.Object({ id: t.Integer() }), response: { 200: Item, 404: NotFound }, tags: ['items'] },
  async ({ params }) => {
    const item = items.get(params.id); // params.id is a number: "abc" gets 422 before this runs
    if (!item) throw new HTTPException(404, 'Item not found');
    return item;
  },
);

const createItem = endpoint.post('/items', { body: ItemIn, status: 201, response: { 201: Item }, tags: ['items'] }, async ({ body }) => {
  const item = { id: nextId++, ...body }; // body: { name: string; price: number }
  items.set(item.id, item);
  return item;
});

// \`loopwise dev app.ts\` and \`loopwise run app.ts\` serve the App this module exports. Added in one
// call, its routes are in its type too: \`createClient<typeof app>(url)\` calls them, typed.
export const app = new App({ title: '${name}', version: '0.1.0' }).add(hello, getItem, createItem);
`;
}

function appTestTs(name: string): string {
  return `// app.inject() sends requests through the whole app without a socket (FastAPI's TestClient).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { app } from '../app.js';

after(() => app.close());

test('GET / says hello', async () => {
  const res = await app.inject('/');
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { message: 'Hello from ${name}' });
});

test('GET /items/:id: 200 with the item, 404 when there is none, 422 for an id that is not an integer', async () => {
  const found = await app.inject('/items/1');
  assert.equal(found.statusCode, 200);
  assert.deepEqual(found.json(), { id: 1, name: 'Pen', price: 2.5 });

  const missing = await app.inject('/items/999');
  assert.equal(missing.statusCode, 404);
  assert.deepEqual(missing.json(), { detail: 'Item not found' });

  const invalid = await app.inject('/items/abc');
  assert.equal(invalid.statusCode, 422);
  assert.deepEqual(invalid.json(), {
    detail: [
      {
        type: 'int_parsing',
        loc: ['path', 'id'],
        msg: 'Input should be a valid integer, unable to parse string as an integer',
        input: 'abc',
      },
    ],
  });
});

test('POST /items: 201 with the new item; 422 naming each invalid field', async () => {
  const created = await app.inject({ method: 'POST', url: '/items', body: { name: 'Notebook', price: 4 } });
  assert.equal(created.statusCode, 201);
  assert.deepEqual(created.json(), { id: 2, name: 'Notebook', price: 4 });
  assert.deepEqual((await app.inject('/items/2')).json(), { id: 2, name: 'Notebook', price: 4 });

  const invalid = await app.inject({ method: 'POST', url: '/items', body: { name: '', price: -1 } });
  assert.equal(invalid.statusCode, 422);
  const detail: { type: string; loc: (string | number)[] }[] = invalid.json().detail;
  assert.deepEqual(
    detail.map(({ type, loc }) => ({ type, loc })),
    [
      { type: 'string_too_short', loc: ['body', 'name'] },
      { type: 'greater_than_equal', loc: ['body', 'price'] },
    ],
  );
});
`;
}

const FENCE = '```';

function readme(name: string): string {
  return `# ${name}

A loopwise app: \`app.ts\` declares the routes, \`test/\` tests them.

${FENCE}bash
npm install
npm run dev    # serves app.ts on http://127.0.0.1:8000 while you work on it
npm test       # runs test/*.test.ts: requests through app.inject(), no server needed
npm start      # serves app.ts for real (loopwise run)
${FENCE}

While it runs, <http://127.0.0.1:8000/docs> (Swagger UI) and <http://127.0.0.1:8000/redoc> show
the API, and <http://127.0.0.1:8000/openapi.json> is its OpenAPI document.

\`npm run typecheck\` checks the types; \`npx loopwise routes app.ts\` prints the route table.
`;
}

const GITIGNORE = `node_modules/
dist/
coverage/
*.log
.env
`;
