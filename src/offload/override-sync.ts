import { LoopwiseError } from '../errors.js';
import type { DependentRoute } from '../deps/dependency-graph.js';
import { dependencyLabel, isDependency, modulesThatMade, type Dependency } from '../deps/dependency.js';
import type { DependencyOverrides, OverrideSource } from '../deps/overrides.js';
import type { OverridesMessage } from './messages.js';
import { ENTRY_MODULE, isTestModule, moduleDisplayName } from './module-url.js';
import { overrideTargets, type OverrideTarget } from './override-targets.js';


/**
 * The main thread's side of overrides for offloaded routes. Worker threads cannot receive a
 * function, so each override crosses as data (OverridesMessage): the original by its place among
 * the offloaded routes' dependencies, the replacement as "module M, export E", which the worker
 * imports. Every route call carries the message once an override was ever set; the worker applies
 * it when its version changed (src/offload/override-apply.ts). A replacement no worker could find
 * (a closure made in the test file) is refused when it is set, or at startup if it was set before.
 */
export class OverrideSync {
  private last: { version: number; message: OverridesMessage | Promise<OverridesMessage> } | null = null;

  constructor(
    private readonly overrides: DependencyOverrides,
    /** The routes that run on worker threads, in registration order. */
    private readonly offloaded: readonly DependentRoute[],
    /** The app module: workers import it anyway, so it may define replacements even when it is the entry. */
    private readonly appModule: string,
  ) {
    for (const [original, source] of overrides.sources) this.assertReachable(original, source);
    overrides.checkReach = (original, source) => this.assertReachable(original, source);
  }

  /**
   * What a route call carries: nothing while no override was ever set (the hot path pays one
   * comparison), else the message for the current overrides, built once per change (it may have
   * to import the replacements' modules, hence the promise).
   */
  message(): OverridesMessage | Promise<OverridesMessage> | undefined {
    const version = this.overrides.version;
    if (version === 0) return undefined;
    const last = this.last;
    if (last !== null && last.version === version) return last.message;
    const pending = this.build(version);
    const entry: { version: number; message: OverridesMessage | Promise<OverridesMessage> } = { version, message: pending };
    this.last = entry;
    pending.then(
      (message) => (entry.message = message),
      () => undefined, // each call made with this version answers the same error
    );
    return pending;
  }

  private targets(): OverrideTarget[] {
    return overrideTargets(this.offloaded, (dependency) => this.overrides.get(dependency));
  }

  private async build(version: number): Promise<OverridesMessage> {
    // Read now, before any await: a change meanwhile makes a message of its own.
    const wanted = this.targets().flatMap(({ dependency, route }, index) => {
      const source = this.overrides.sources.get(dependency);
      return source === undefined ? [] : [{ index, original: dependency, route, source }];
    });
    const entries: OverridesMessage['entries'] = [];
    for (const { index, original, route, source } of wanted) {
      const found = await this.locate(source);
      if (found === null) {
        const looked = this.candidates(source).map(moduleDisplayName).join(', ');
        throw new LoopwiseError(
          'LW_ERR_OFFLOAD_MODULE',
          `the override of ${dependencyLabel(original)} cannot reach the worker threads of the offloaded route ${route}: ` +
            `no module exports its replacement (looked in ${looked}). Export it from there (export const … = dependency(…)): worker threads import that module and use the export.`,
        );
      }
      entries.push({ index, original: dependencyLabel(original), ...found });
    }
    return { version, entries };
  }

  /** The module and export name under which a worker thread finds the replacement, or null. */
  private async locate(source: OverrideSource): Promise<{ module: string; export: string } | null> {
    for (const module of this.candidates(source)) {
      const namespace = (await import(module)) as Record<string, unknown>;
      const name = Object.keys(namespace).find((key) => namespace[key] === source.given);
      if (name !== undefined) return { module, export: name };
    }
    return null;
  }

  /** Modules a worker may import to find the replacement: the one given, else where the dependency was made; never a test file. */
  private candidates(source: OverrideSource): string[] {
    const modules = source.module !== undefined ? [source.module] : isDependency(source.given) ? modulesThatMade(source.given) : [];
    return modules.filter((module) => module === this.appModule || (module !== ENTRY_MODULE && !isTestModule(module)));
  }

  private assertReachable(original: Dependency<unknown>, source: OverrideSource): void {
    if (this.candidates(source).length > 0) return;
    const target = this.targets().find(({ dependency }) => dependency === original);
    if (target === undefined) return; // only inline routes use it: the override applies here
    const label = dependencyLabel(original);
    const why = source.module !== undefined
      ? `its module ${moduleDisplayName(source.module)} is the test file itself, which a worker thread cannot import without running it`
      : isDependency(source.given)
        ? `the replacement was made in ${modulesThatMade(source.given).map(moduleDisplayName).join(', ') || 'no module file'} (the test file itself, which a worker thread cannot import without running it)`
        : 'the replacement is a plain function, and a worker thread cannot tell which module defines it';
    throw new LoopwiseError(
      'LW_ERR_OFFLOAD_MODULE',
      `app.dependencyOverrides.set(${label}, …): ${label} is used by the offloaded route ${target.route}, which runs on worker threads, and they cannot use this replacement: ${why}. ` +
        `Move the replacement to a module of its own (e.g. test/overrides.ts), declared and exported there (export const fake${capitalize(label)} = dependency(…)), and import it here: ` +
        `worker threads import that module and use the export. A plain function exported there works too: set(${label}, fn, { module: new URL('./overrides.ts', import.meta.url) }).`,
    );
  }
}


function capitalize(label: string): string {
  const word = label.replace(/[^A-Za-z0-9_$]/g, '');
  return word.charAt(0).toUpperCase() + word.slice(1);
}
