// TypeBox builds JSON Schema and its static TypeScript type in one expression; loopwise
// re-exports it as `t` so users import one package.
import { Type } from '@sinclair/typebox';
import type {
  ArrayOptions,
  IntegerOptions,
  JavaScriptTypeBuilder,
  NumberOptions,
  ObjectOptions,
  SchemaOptions,
  StringOptions,
  TArray,
  TBoolean,
  TEnum,
  TEnumKey,
  TEnumValue,
  TInteger,
  TLiteral,
  TLiteralValue,
  TNumber,
  TObject,
  TProperties,
  TSchema,
  TString,
  TUnsafe,
  Static,
  Union,
} from '@sinclair/typebox';
import { httpUrl, record, refine, set } from './builders.js';

export type { Static, TSchema } from '@sinclair/typebox';

/**
 * A schema whose options set `default`, typed so: `t.Integer({ default: 10 })` is a `TInteger &
 * { default: number }`. Its static type is unchanged (the server fills the default in, so the
 * handler sees a number); the typed client (docs/client.md) reads it to let callers leave it out.
 */
export type WithDefault<S extends TSchema, O> = O extends { default: unknown } ? S & { readonly default: O['default'] } : S;

/**
 * What a handler gets from `t.Refine(schema, check)`: what `check` returns, or the schema's own
 * type where it returns nothing (a check that only throws).
 */
export type RefinedStatic<I, R> = [R] extends [void | undefined] ? I : Exclude<R, void | undefined> | (undefined extends R ? I : never);

/** `t.Refine`'s schema: the static type the check gives, and the inner schema's `default` kept for the typed client. */
export type TRefine<S extends TSchema, O> = TUnsafe<O> & (S extends { readonly default: infer D } ? { readonly default: D } : unknown);

/**
 * TypeBox's builder, with the builders a default is usually set on typed to keep
 * it (`WithDefault`). Types only: at runtime `t` is TypeBox's `Type`.
 */
export interface TypeBuilder
  extends Omit<JavaScriptTypeBuilder, 'String' | 'Number' | 'Integer' | 'Boolean' | 'Literal' | 'Array' | 'Union' | 'Enum' | 'Object'> {
  /** `[Json]` Creates a String type */
  String<O extends StringOptions = {}>(options?: O): WithDefault<TString, O>;
  /** `[Json]` Creates a Number type */
  Number<O extends NumberOptions = {}>(options?: O): WithDefault<TNumber, O>;
  /** `[Json]` Creates an Integer type */
  Integer<O extends IntegerOptions = {}>(options?: O): WithDefault<TInteger, O>;
  /** `[Json]` Creates a Boolean type */
  Boolean<O extends SchemaOptions = {}>(options?: O): WithDefault<TBoolean, O>;
  /** `[Json]` Creates a Literal type */
  Literal<V extends TLiteralValue, O extends SchemaOptions = {}>(value: V, options?: O): WithDefault<TLiteral<V>, O>;
  /** `[Json]` Creates an Array type */
  Array<T extends TSchema, O extends ArrayOptions = {}>(items: T, options?: O): WithDefault<TArray<T>, O>;
  /** `[Json]` Creates a Union type */
  Union<T extends TSchema[], O extends SchemaOptions = {}>(types: [...T], options?: O): WithDefault<Union<T>, O>;
  /** `[Json]` Creates an Enum type */
  Enum<V extends TEnumValue, T extends Record<TEnumKey, V>, O extends SchemaOptions = {}>(item: T, options?: O): WithDefault<TEnum<T>, O>;
  /** `[Json]` Creates an Object type */
  Object<T extends TProperties, O extends ObjectOptions = {}>(properties: T, options?: O): WithDefault<TObject<T>, O>;
  /**
   * The schema, plus a function run on the value once it is valid (Pydantic's `AfterValidator`):
   * it returns the value the handler gets (or nothing, to keep it) and throws an `Error` to refuse
   * it, answered as 422 `value_error` "Value error, <message>". Synchronous; runs once per value.
   */
  Refine<S extends TSchema, R>(schema: S, check: (value: Static<S>) => R): TRefine<S, RefinedStatic<Static<S>, R>>;
  /** An array whose repeated items are dropped before the handler sees it (Python's `set[T]`); documented `uniqueItems: true`. */
  Set<T extends TSchema, O extends ArrayOptions = {}>(items: T, options?: O): WithDefault<TArray<T>, O>;
  /** Pydantic's `HttpUrl`: an http or https URL of 1 to 2083 characters, with pydantic's `url_parsing` / `url_scheme` errors. */
  HttpUrl<O extends StringOptions = {}>(options?: O): WithDefault<TString, O>;
}

// TypeBox's builder underneath (a fresh object, TypeBox's own `Type` is left as it is), with
// loopwise's builders added and `Record` writing integer keys as FastAPI documents them.
const builder = Object.create(Type) as Record<string, unknown>;
// defineProperty, not assignment: bundled, TypeBox's `Type` is a namespace of getter-only
// properties, and assigning `Record` over an inherited getter throws in strict mode.
for (const [name, value] of Object.entries({ Refine: refine, Set: set, HttpUrl: httpUrl, Record: record })) {
  Object.defineProperty(builder, name, { value, enumerable: true });
}
export const t = builder as unknown as TypeBuilder;
