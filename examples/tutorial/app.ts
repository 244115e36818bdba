// The README's five-minute tutorial, runnable: `npx tsx examples/tutorial/app.ts`.
// In your own project: import { App, t, HTTPException, noContent } from 'loopwise';
import { pathToFileURL } from 'node:url';
import { App, t, HTTPException, noContent, type Static } from '../../src/index.js';

export const app = new App({ title: 'Shop', version: '1.0.0' });

// Declare a shape once: it validates requests, types handlers and filters responses.
const ItemIn = t.Object({
  name: t.String({ minLength: 1 }),
  price: t.Number({ minimum: 0 }),
  tags: t.Array(t.String(), { default: [] }),
});
const ItemOut = t.Object({ id: t.Integer(), name: t.String(), price: t.Number(), tags: t.Array(t.String()) });
const NotFound = t.Object({ detail: t.String() });

type StoredItem = Static<typeof ItemOut> & { costPrice: number };
const items = new Map<number, StoredItem>();
let nextId = 1;

app.post('/items', { body: ItemIn, status: 201, response: { 201: ItemOut }, tags: ['items'] }, async ({ body }) => {
  const item = { id: nextId++, ...body, costPrice: body.price * 0.6 };
  items.set(item.id, item);
  return item; // costPrice is not in ItemOut: it never leaves the server
});

app.get(
  '/items',
  { query: t.Object({ limit: t.Integer({ default: 10, minimum: 1, maximum: 100 }), tag: t.Optional(t.String()) }) },
  async ({ query }) => {
    const all = [...items.values()].filter((item) => query.tag === undefined || item.tags.includes(query.tag));
    return all.slice(0, query.limit).map(({ id, name }) => ({ id, name }));
  },
);

app.get(
  '/items/:id',
  { params: t.Object({ id: t.Integer() }), response: { 200: ItemOut, 404: NotFound }, tags: ['items'] },
  async ({ params }) => {
    const item = items.get(params.id); // params.id is a number
    if (!item) throw new HTTPException(404, 'Item not found');
    return item;
  },
);

app.delete('/items/:id', { params: t.Object({ id: t.Integer() }), status: 204, tags: ['items'] }, async ({ params }) => {
  if (!items.delete(params.id)) throw new HTTPException(404, 'Item not found');
  return noContent();
});

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await app.listen({ port: Number(process.env.PORT ?? 8000) });
}
