// Serves the seed app: `npm run seed:serve`, then try http://127.0.0.1:8000/async and /sync.
import { app } from './app.js';

const { url } = await app.listen({ port: Number(process.env.PORT ?? 8000), host: process.env.HOST ?? '127.0.0.1' });
console.log(`ready ${url}`);
