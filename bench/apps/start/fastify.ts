// Fastify's one route written in TypeScript and run the same way as app.ts (tsx on Node 20, type
// stripping on Node 24): what the TypeScript loader itself adds to a start, for reference.
import { fastify } from 'fastify';

interface Message {
  message: string;
}

const app = fastify();
app.get('/json', async (): Promise<Message> => ({ message: 'hello' }));
await app.listen({ port: Number(process.env.PORT ?? 8000), host: '127.0.0.1' });
