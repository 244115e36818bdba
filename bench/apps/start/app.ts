// The same one-route app written in TypeScript, run as it is: `node app.ts` on Node 24 (type
// stripping), `node --import tsx app.ts` on Node 20, and `loopwise run app.ts` (which skips the
// listen() below and serves on its --port).
import { App } from 'loopwise';

interface Message {
  message: string;
}

export const app = new App();
app.get('/json', {}, (): Message => ({ message: 'hello' }));

await app.listen({ port: Number(process.env.PORT ?? 8000) });
