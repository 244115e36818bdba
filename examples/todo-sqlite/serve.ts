// Serves the todo app: `node --import tsx examples/todo-sqlite/serve.ts`, then see README.md for curl calls.
// On Ctrl-C / SIGTERM, listen() closes the server, waits for the last responses (not for
// background tasks still running on worker threads), runs the lifespan's teardown (which closes
// this thread's connection), stops the workers (closing theirs), and exits.
import { app, dbPath } from './app.js';

const { url } = await app.listen({ port: Number(process.env.PORT ?? 8000), host: process.env.HOST ?? '127.0.0.1' });
console.log(`ready ${url} (database: ${dbPath})`);
