// Serves the todo app: `node --import tsx examples/todo-sqlite/serve.ts`, then see README.md for curl calls.
import { app, db, dbPath } from './app.js';

// On Ctrl-C / SIGTERM, listen() closes the server and the workers (and their connections), then
// exits; closing this thread's connection last folds the WAL back into the database file.
process.once('exit', () => db.close());

const { url } = await app.listen({ port: Number(process.env.PORT ?? 8000), host: process.env.HOST ?? '127.0.0.1' });
console.log(`ready ${url} (database: ${dbPath})`);
