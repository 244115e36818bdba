// Compile-time checks of app.exceptionHandler: a handler for an error without a status answers
// with an HttpResponse (a plain value would go out as 500); errors that carry a status, and
// status handlers, may answer a plain value. The context is the public ExceptionContext.
import { test } from 'node:test';
import type { IncomingMessage } from 'node:http';
import { App, HTTPException, RequestValidationError, json, text, type ExceptionContext, type RequestSnapshot } from '../../src/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<A, B>(_proof: Equal<A, B>): void {}

class NotFoundError extends Error {
  constructor(readonly id: number) {
    super(`no ${id}`);
  }
}

test('exception handler answers and context, as the types see them', () => {
  const app = new App({ logger: false });
  app.exceptionHandler(NotFoundError, (error) => json({ id: error.id }, { status: 404 }));
  app.exceptionHandler(NotFoundError, async (error) => text(error.message, { status: 404 }));
  // @ts-expect-error: a plain value for an error without a status would be sent with 500: return json(value, { status })
  app.exceptionHandler(NotFoundError, (error) => ({ id: error.id }));
  // @ts-expect-error: the same for an async handler
  app.exceptionHandler(Error, async () => ({ message: 'oops' }));

  app.exceptionHandler(HTTPException, (error) => ({ error: error.detail }));
  app.exceptionHandler(RequestValidationError, (error) => ({ problems: error.errors }));
  app.exceptionHandler(404, () => ({ message: 'nope' }));
  app.exceptionHandler(409, (error: HTTPException) => ({ conflict: error.detail }));

  app.exceptionHandler(NotFoundError, (_error, context) => {
    expectType<typeof context, ExceptionContext>(true);
    expectType<typeof context.request, IncomingMessage | RequestSnapshot>(true);
    expectType<typeof context.route, string | null>(true);
    expectType<typeof context.path, string>(true);
    // @ts-expect-error: the pipeline's own state is not part of the context
    void context.replyState;
    // @ts-expect-error: nor the background tasks'
    void context.backgroundState;
    return json({ at: context.path }, { status: 404 });
  });
});
