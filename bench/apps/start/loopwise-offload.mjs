// The compiled one-route app plus one offloaded route: ready should come as fast as without it
// (the worker threads start in the background; a request that comes first waits for one).
import { App } from 'loopwise';

const app = new App();
app.get('/json', {}, () => ({ message: 'hello' }));
app.get('/work', { offload: true }, () => ({ pid: process.pid }));
await app.listen({ port: Number(process.env.PORT) });
