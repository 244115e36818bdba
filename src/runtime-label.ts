import { isBun } from './runtime-env.js';

/**
 * The runtime this process runs on, as a person reads it: "Bun 1.4.5" or "Node 20.19.0". Bun also
 * sets process.version (to the Node release it is compatible with), so that alone would say Node.
 */
export function runtimeLabel(): string {
  return isBun() ? `Bun ${process.versions.bun}` : `Node ${process.versions.node}`;
}
