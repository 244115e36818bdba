import { App } from '../src/index.js';
const app = new App({ accessLog: true });
app.get('/hang', () => new Promise(() => {}));
app.get('/slow-stream', async () => { const { stream } = await import('../src/index.js'); return stream((async function* () { for (;;) { yield 'x'; await new Promise((r) => setTimeout(r, 50)); } })()); });
await app.listen({ port: 3406, host: '127.0.0.1' });
