// TypeBox builds JSON Schema and its static TypeScript type in one expression; loopwise
// re-exports it as `t` so users import one package.
export { Type as t } from '@sinclair/typebox';
export type { Static, TSchema } from '@sinclair/typebox';
