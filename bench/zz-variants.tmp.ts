import { App, t } from '../src/index.js';
const app = new App({ logger: false });
const Message = t.Object({ message: t.String() });
app.get('/json', { response: { 200: Message } }, async () => ({ message: 'hello' }));
app.get('/plain/:id', async ({ params }) => ({ id: params.id }));
app.get('/typed/:id', { params: t.Object({ id: t.Integer() }) }, async ({ params }) => ({ id: params.id }));
app.get('/static', async () => ({ id: 42 }));
const { port } = await app.listen({ port: 3402, host: '127.0.0.1' });
console.log('ready', port);
