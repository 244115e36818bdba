import { EventEmitter } from 'node:events';

type Listener = (...args: never[]) => void;

/**
 * EventEmitter's methods, with the emitter made only when something first listens: most requests
 * on Bun's server are answered without a listener on their request or response, and an
 * EventEmitter per object was a tenth of the front door's cost.
 */
export class LazyEvents {
  private events: EventEmitter | null = null;

  private get emitter(): EventEmitter {
    return (this.events ??= new EventEmitter());
  }

  on(event: string | symbol, listener: Listener): this {
    this.emitter.on(event, listener as (...args: unknown[]) => void);
    this.listened(event);
    return this;
  }

  addListener(event: string | symbol, listener: Listener): this {
    return this.on(event, listener);
  }

  // once() goes through this.on(), as Node's EventEmitter does: a middleware that overrides on()
  // (compression() sends 'drain' listeners to its zlib stream) must see once() listeners too, or a
  // streamed body waiting for 'drain' behind it waits for ever.
  once(event: string | symbol, listener: Listener): this {
    return this.on(event, onceWrapper(this, event, listener));
  }

  prependListener(event: string | symbol, listener: Listener): this {
    this.emitter.prependListener(event, listener as (...args: unknown[]) => void);
    this.listened(event);
    return this;
  }

  prependOnceListener(event: string | symbol, listener: Listener): this {
    return this.prependListener(event, onceWrapper(this, event, listener));
  }

  /** Something now listens for `event`: a subclass starts what produces it (reading a body, watching the client). */
  protected listened(_event: string | symbol): void {}

  off(event: string | symbol, listener: Listener): this {
    this.events?.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  removeListener(event: string | symbol, listener: Listener): this {
    return this.off(event, listener);
  }

  removeAllListeners(event?: string | symbol): this {
    this.events?.removeAllListeners(event);
    return this;
  }

  emit(event: string | symbol, ...args: unknown[]): boolean {
    return this.events !== null && this.events.emit(event, ...args);
  }

  listenerCount(event: string | symbol): number {
    return this.events === null ? 0 : this.events.listenerCount(event);
  }

  listeners(event: string | symbol): Function[] {
    return this.events === null ? [] : this.events.listeners(event);
  }
}

/**
 * A listener that runs once, then removes itself from `target` (where on() may not have put it:
 * then it stays, and does nothing again). `listener` is kept on it, so off(event, listener) finds it.
 */
function onceWrapper(target: LazyEvents, event: string | symbol, listener: Listener): Listener {
  let fired = false;
  const wrapper = function (this: unknown, ...args: never[]): void {
    if (fired) return;
    fired = true;
    target.off(event, wrapper);
    (listener as (...args: never[]) => void).apply(this, args);
  };
  return Object.assign(wrapper, { listener });
}
