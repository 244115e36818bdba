/**
 * A route's name, `GET /items/:id`: what logs, metrics, errors and the OpenAPI checks call it, and
 * the key a worker thread finds its runner by, so the main thread and the workers agree on it.
 */
export function routeName(method: string, path: string): string {
  return `${method} ${path}`;
}
