import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App } from '../app.js';
import { LoopwiseError } from '../errors.js';
import { explainImportError, prepareTypeScript } from './load-typescript.js';

/** `app.ts:admin` → the file and the export named after the colon (as uvicorn's `module:attr`). */
export interface AppSpec {
  file: string;
  exportName: string | undefined;
}

/**
 * Splits `<module>[:export]` and checks the file exists. The export is an identifier after the
 * last colon, so a Windows drive letter (`C:\app.ts`) stays part of the path.
 */
export function parseAppSpec(spec: string): AppSpec {
  const match = /^(.+):([A-Za-z_$][\w$]*)$/.exec(spec);
  const [path, exportName] = match !== null && match[1]!.length > 1 ? [match[1]!, match[2]] : [spec, undefined];
  const file = resolve(path);
  if (!existsSync(file)) throw new LoopwiseError('LW_ERR_INVALID_OPTION', `no such app module: ${file}`);
  return { file, exportName };
}

/**
 * Imports a user's app module and returns its App: the export named after the colon, else the
 * export named `app`, else the default export, else the only exported App. TypeScript modules
 * load natively where Node strips types, through tsx elsewhere (src/cli/load-typescript.ts).
 */
export async function loadApp(spec: string): Promise<App<boolean>> {
  const { file, exportName } = parseAppSpec(spec);
  await prepareTypeScript(file);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw explainImportError(error, file);
  }
  return pickApp(module, file, exportName);
}

function pickApp(module: Record<string, unknown>, file: string, exportName: string | undefined): App<boolean> {
  const appExports = Object.keys(module).filter((name) => module[name] instanceof App);
  const listed = appExports.length === 0 ? 'it exports no App' : `its App exports: ${appExports.join(', ')}`;
  if (exportName !== undefined) {
    const value = module[exportName];
    if (value instanceof App) return value;
    if (looksLikeApp(value)) throw anotherCopy(file, [exportName]);
    const what = exportName in module ? `its export '${exportName}' is not an App (${value === null ? 'null' : typeof value})` : `it has no export named '${exportName}'`;
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `${file}: ${what}; ${listed}.`);
  }
  for (const name of ['app', 'default']) {
    if (module[name] instanceof App) return module[name];
  }
  if (appExports.length === 1) return module[appExports[0]!] as App<boolean>;
  if (appExports.length > 1) {
    throw new LoopwiseError('LW_ERR_INVALID_OPTION', `${file} exports several Apps (${appExports.join(', ')}) and none is named app: pick one, e.g. ${file}:${appExports[0]}.`);
  }
  const foreign = Object.keys(module).filter((name) => looksLikeApp(module[name]));
  if (foreign.length > 0) throw anotherCopy(file, foreign);
  throw new LoopwiseError('LW_ERR_INVALID_OPTION', `${file} exports no App: export it, e.g. \`export const app = new App()\`.`);
}

function anotherCopy(file: string, names: string[]): LoopwiseError {
  return new LoopwiseError(
    'LW_ERR_INVALID_OPTION',
    `${file} exports ${names.join(', ')}, an App of another copy of loopwise than this command's. Either the module was loaded as CommonJS ` +
      '(add "type": "module" to its package.json, or name it .mts), or loopwise is installed twice (run the project\'s own: npx loopwise).',
  );
}

/** An App made by another copy of loopwise fails `instanceof App`, yet is recognisable. */
function looksLikeApp(value: unknown): boolean {
  return typeof value === 'object' && value !== null && value.constructor?.name === 'App' && typeof (value as { listen?: unknown }).listen === 'function';
}
