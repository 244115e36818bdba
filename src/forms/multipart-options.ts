import { tmpdir } from 'node:os';
import { LoopwiseError } from '../errors.js';
import { nonNegativeInteger, positiveInteger } from '../option-checks.js';

/**
 * Limits and storage for `multipart/form-data` bodies. Set app-wide (`new App({ multipart })`)
 * and per route (`multipart` in the route's options); a route's values win field by field.
 * The App's `bodyLimit` does not apply to multipart bodies: `maxBodySize` does.
 */
export interface MultipartOptions {
  /** Bytes one uploaded file may have; a larger one gets 413. Default 10 MiB. `upload({ maxSize })` sets it per field. */
  maxFileSize?: number;
  /** Bytes the whole multipart body may have (files, fields and framing); more gets 413. Default 50 MiB. */
  maxBodySize?: number;
  /** Files one request may carry; one more gets 413. Default 10. */
  maxFiles?: number;
  /** Text fields one request may carry; one more gets 413. Default 100. */
  maxFields?: number;
  /** Bytes one text field may have; a larger one gets 413. Default 1 MiB (Starlette's `max_part_size`). */
  maxFieldSize?: number;
  /**
   * Bytes all text fields of one request may have together (they are held in memory; files are
   * not counted); more gets 413 naming the field that passed it. Default 2 MiB, or `maxFieldSize`
   * when that is larger (Django's DATA_UPLOAD_MAX_MEMORY_SIZE is 2.5 MB).
   */
  maxFieldsTotalSize?: number;
  /** Bytes of a file kept in memory; past it the file is streamed to a temporary file. Default 1 MiB (Starlette's). */
  spoolThreshold?: number;
  /** Where spooled files go. Default `os.tmpdir()`. They are deleted once the response is sent. */
  tempDir?: string;
}

export type MultipartSettings = Required<MultipartOptions>;

const MIB = 1024 * 1024;

export const MULTIPART_DEFAULTS: Readonly<Omit<MultipartSettings, 'tempDir'>> = Object.freeze({
  maxFileSize: 10 * MIB,
  maxBodySize: 50 * MIB,
  maxFiles: 10,
  maxFields: 100,
  maxFieldSize: MIB,
  maxFieldsTotalSize: 2 * MIB,
  spoolThreshold: MIB,
});

const COUNTS = ['maxFileSize', 'maxBodySize', 'maxFiles', 'maxFields', 'maxFieldSize', 'maxFieldsTotalSize', 'spoolThreshold'] as const;

/** The defaults, then the App's options, then the route's; checked once, at startup. */
export function multipartSettings(app: MultipartOptions | undefined, route: MultipartOptions | undefined, where: string): MultipartSettings {
  const settings: MultipartSettings = { ...MULTIPART_DEFAULTS, tempDir: tmpdir() };
  for (const [options, origin] of [
    [app, 'the App'],
    [route, where],
  ] as const) {
    if (options === undefined) continue;
    if (typeof options !== 'object' || options === null) {
      throw new LoopwiseError('LW_ERR_INVALID_OPTION', `multipart of ${origin} must be an object of limits, not ${String(options)}.`);
    }
    for (const key of COUNTS) {
      const value = options[key];
      if (value === undefined) continue;
      // spoolThreshold 0 is allowed: every file goes to disk.
      const check = key === 'spoolThreshold' ? nonNegativeInteger : positiveInteger;
      settings[key] = check(value, `multipart.${key} of ${origin}`);
    }
    if (options.tempDir !== undefined) {
      if (typeof options.tempDir !== 'string' || options.tempDir === '') {
        throw new LoopwiseError('LW_ERR_INVALID_OPTION', `multipart.tempDir of ${origin} must be a directory path.`);
      }
      settings.tempDir = options.tempDir;
    }
  }
  // Raising the per-field limit alone must not leave the total below one field.
  if (app?.maxFieldsTotalSize === undefined && route?.maxFieldsTotalSize === undefined) {
    settings.maxFieldsTotalSize = Math.max(settings.maxFieldsTotalSize, settings.maxFieldSize);
  }
  return settings;
}
