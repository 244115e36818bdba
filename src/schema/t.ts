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
  Union,
} from '@sinclair/typebox';

export type { Static, TSchema } from '@sinclair/typebox';

/**
 * A schema whose options set `default`, typed so: `t.Integer({ default: 10 })` is a `TInteger &
 * { default: number }`. Its static type is unchanged (the server fills the default in, so the
 * handler sees a number); the typed client (docs/client.md) reads it to let callers leave it out.
 */
export type WithDefault<S extends TSchema, O> = O extends { default: unknown } ? S & { readonly default: O['default'] } : S;

/**
 * TypeBox's builder, the same object, with the builders a default is usually set on typed to keep
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
}

// The same functions: only their return types say more.
export const t = Type as unknown as TypeBuilder;
