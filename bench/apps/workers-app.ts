// The app `bench/workers.ts` serves with `loopwise run --workers N`: the bench's GET /json, with its
// response schema, exported for the CLI instead of listening itself.
import { App, t } from '../../src/index.js';

export const app = new App({ logger: false });

app.get('/json', { response: { 200: t.Object({ message: t.String() }) } }, async () => ({ message: 'hello' }));
