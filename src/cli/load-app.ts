import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App } from '../app.js';
import { LoopwiseError } from '../errors.js';

/**
 * Imports a user's app module and returns its App: the export named `app`, the default export,
 * or the only exported App. TypeScript modules load through tsx on a Node that cannot strip types.
 */
export async function loadApp(path: string): Promise<App<boolean>> {
  const file = resolve(path);
  if (!existsSync(file)) throw new LoopwiseError('LW_ERR_INVALID_OPTION', `no such app module: ${file}`);
  if (/\.[cm]?tsx?$/.test(file) && !canStripTypes()) await registerTsx(file);
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const apps = [module.app, module.default, ...Object.values(module)].filter((value): value is App<boolean> => value instanceof App);
  const app = apps[0];
  if (app === undefined) {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `${path} exports no App: export it, e.g. \`export const app = new App()\`.`);
  }
  return app;
}

/** Node ≥ 23.6 runs erasable TypeScript itself; an `--import tsx` already in place does too. */
function canStripTypes(): boolean {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  return major > 23 || (major === 23 && minor >= 6) || /\btsx\b/.test(`${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`);
}

async function registerTsx(file: string): Promise<void> {
  try {
    const tsx = 'tsx/esm/api'; // a variable: tsx is the user's tool, not a dependency of loopwise
    const { register } = (await import(tsx)) as { register: () => unknown };
    register();
  } catch {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `${file} is TypeScript and this Node (${process.version}) cannot run it alone: install tsx (npm i -D tsx), or use Node ≥ 23.6.`);
  }
}
