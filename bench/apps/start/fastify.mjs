// Fastify 5 with the same one route as the loopwise apps, as its docs start: defaults, no logger.
import { fastify } from 'fastify';

const app = fastify();
app.get('/json', async () => ({ message: 'hello' }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
