/**
 * What `loopwise dev` prints once the app listens, as `fastapi dev` does: where to point the
 * browser, and which runtime serves ("Bun 1.4.5", "Node 20.19.0"). Only the pages this App serves
 * (no docs line with `openapi: false`, no metrics line without metrics).
 */
export function devBanner(title: string, url: string, pages: { docs: string | false; metrics: boolean }, runtime: string): string {
  const lines = [`  ${title} is running at ${url}`];
  if (pages.docs !== false) lines.push(`  API docs:  ${url}${pages.docs}`);
  if (pages.metrics) lines.push(`  metrics:   ${url}/metrics`);
  lines.push('  Restarts when a file changes; Ctrl+C to stop.');
  return `\nloopwise dev on ${runtime}\n${lines.join('\n')}\n\n`;
}
