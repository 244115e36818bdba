// What the hop to a worker thread costs: the same trivial route inline and offloaded. Its own
// server too: in a worker thread listen() does nothing, so only the main thread prints "ready".
import { App } from '../../src/index.js';

export const app = new App({ logger: false });

app.get('/inline', () => ({ message: 'hello' }));
app.get('/offloaded', { offload: true }, () => ({ message: 'hello' }));

const { port } = await app.listen({ port: Number(process.env.PORT ?? 0) });
if (port !== 0) console.log(`ready ${port}`);
