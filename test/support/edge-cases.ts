// Starts test/support/edge-cases-app.ts in a child process and asks it for its pid over a fresh
// connection: the tests of issue 16's edge cases check that the process that answered a hostile
// request is the one that serves the next, so it neither crashed nor was restarted.
import { fileURLToPath } from 'node:url';
import { startAppProcess, type AppProcess } from './app-process.js';
import { RawConnection, rawGet } from './raw-http.js';

const FIXTURE = fileURLToPath(new URL('./edge-cases-app.ts', import.meta.url));

export interface EdgeCasesApp extends AppProcess {
  port: number;
  /** The process's pid, as GET /pid answers it now (a new connection each time). */
  servedPid(): Promise<number>;
}

export async function startEdgeCasesApp(env: Record<string, string> = {}): Promise<EdgeCasesApp> {
  const started = await startAppProcess(FIXTURE, { env });
  const servedPid = async (): Promise<number> => {
    const connection = await RawConnection.open(started.port);
    try {
      connection.write(rawGet('/pid'));
      const response = await connection.response();
      if (response?.status !== 200) throw new Error(`GET /pid answered ${response?.status}: ${response?.body}`);
      return (JSON.parse(response.body) as { pid: number }).pid;
    } finally {
      connection.destroy();
    }
  };
  return { ...started, servedPid };
}
