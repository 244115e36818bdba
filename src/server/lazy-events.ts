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

  once(event: string | symbol, listener: Listener): this {
    this.emitter.once(event, listener as (...args: unknown[]) => void);
    this.listened(event);
    return this;
  }

  prependListener(event: string | symbol, listener: Listener): this {
    this.emitter.prependListener(event, listener as (...args: unknown[]) => void);
    this.listened(event);
    return this;
  }

  prependOnceListener(event: string | symbol, listener: Listener): this {
    this.emitter.prependOnceListener(event, listener as (...args: unknown[]) => void);
    this.listened(event);
    return this;
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
