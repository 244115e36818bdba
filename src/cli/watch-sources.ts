import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join, sep } from 'node:path';

/** Never watched: dependencies, history, build output. */
const IGNORED_DIRECTORIES = new Set(['node_modules', '.git', 'dist']);
/** Files whose change may restart the app: modules, JSON, and the environment files an app reads. */
const SOURCE_FILE = /\.(?:[cm]?tsx?|[cm]?jsx?|json)$|^\.env(?:\..+)?$/;

export interface SourceWatcher {
  close(): void;
}

/**
 * Calls `onChange` with the source files that changed under `roots`, once per burst of changes
 * (`debounceMs` of quiet: an editor's save is several events, a `git checkout` many). Paths for
 * which `ignored` is true are not reported, and ignored directories not watched.
 *
 * One non-recursive watcher per directory rather than `fs.watch(root, { recursive: true })`: on
 * Linux, Node's recursive mode watches each file's inode, so after an editor's first
 * write-then-rename save it sees no further change to that file, and it walks node_modules too.
 */
export function watchSources(roots: string[], onChange: (files: string[]) => void, debounceMs = 100, ignored: (path: string) => boolean = () => false): SourceWatcher {
  const watchers = new Map<string, FSWatcher>();
  const changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const note = (file: string): void => {
    changed.add(file);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const files = [...changed];
      changed.clear();
      if (!closed) onChange(files);
    }, debounceMs);
  };

  const unwatch = (dir: string): void => {
    for (const [path, watcher] of watchers) {
      if (path === dir || path.startsWith(dir + sep)) {
        watcher.close();
        watchers.delete(path);
      }
    }
  };

  const watchDirectory = (dir: string): void => {
    if (closed || watchers.has(dir) || ignored(dir)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, (event, name) => onEvent(dir, event, name));
    } catch {
      return; // removed meanwhile, or unreadable: nothing to watch
    }
    watcher.on('error', () => unwatch(dir)); // the directory went away
    watchers.set(dir, watcher);
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.isDirectory() && !IGNORED_DIRECTORIES.has(entry.name)) watchDirectory(join(dir, entry.name));
    }
  };

  const onEvent = (dir: string, event: string, name: string | null): void => {
    if (name === null || IGNORED_DIRECTORIES.has(name)) return;
    const path = join(dir, name);
    if (SOURCE_FILE.test(name)) return ignored(path) ? undefined : note(path);
    // A directory created, removed or moved in: (re)watch what is there now.
    if (event === 'rename') {
      unwatch(path);
      if (isDirectory(path)) watchDirectory(path);
    }
  };

  for (const root of roots) watchDirectory(root);
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
