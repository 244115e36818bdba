// The TypeBox values loopwise uses at run time, from one module. The build bundles this file with
// TypeBox inlined (npm run build: scripts/bundle-typebox.mjs), so a start loads one file where
// TypeBox's ESM build is 200; types still come from the package. TypeBox marks schemas with global
// symbols (Symbol.for), so schemas built by an app's own copy of the package work the same.
export { Kind, OptionalKind, Type } from '@sinclair/typebox';
