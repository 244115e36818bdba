/** What {@link fulfilledNow} returns for a promise that has not been fulfilled yet (pending, or rejected). */
export const NOT_YET: unique symbol = Symbol('loopwise.notYet');

type Peek = ((promise: Promise<unknown>) => unknown) & { status(promise: Promise<unknown>): 'pending' | 'fulfilled' | 'rejected' };
const peek = (globalThis as { Bun?: { peek?: Peek } }).Bun?.peek;

/**
 * A promise's value if it is already fulfilled, read at once instead of a turn later; else NOT_YET.
 * An async handler that returns without awaiting hands back a promise fulfilled on the spot: on
 * Bun (Bun.peek) its answer is then written in the same call, and Bun.serve gets a Response, not a
 * promise of one (which cost about a microsecond more per request there). On Node it is always
 * NOT_YET: the value comes through then(), as before.
 */
export const fulfilledNow: (promise: Promise<unknown>) => unknown =
  peek === undefined
    ? () => NOT_YET
    : // Only a plain Promise: a subclass may do its work in its own then() (p-lazy), which peek would skip.
      (promise) => (Object.getPrototypeOf(promise) === Promise.prototype && peek.status(promise) === 'fulfilled' ? peek(promise) : NOT_YET);
