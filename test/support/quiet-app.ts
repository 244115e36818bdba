import { App, type AppOptions } from '../../src/index.js';

/** An app with no logger and no docs pages, for a test to add middleware and routes to. */
export function quietApp(options: AppOptions = {}): App {
  return new App({ logger: false, openapi: false, ...options });
}
