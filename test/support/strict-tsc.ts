// TypeScript's compiler, as the type tests run it on a fixture: strict, NodeNext, no output.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
export const TSC_OPTIONS = [
  '--strict',
  '--noEmit',
  '--pretty',
  'false',
  '--module',
  'nodenext',
  '--moduleResolution',
  'nodenext',
  '--target',
  'es2022',
  '--types',
  'node',
  '--skipLibCheck',
];
