import { pathWords } from './path-template.js';

/**
 * The default operationId: method and path in camelCase ("GET /items/:id" → "getItemsById").
 * It depends on nothing but the route itself, so generated clients keep their method names
 * when other routes come and go.
 */
export function defaultOperationId(method: string, path: string): string {
  const words = pathWords(path);
  return method.toLowerCase() + (words.length === 0 ? 'Root' : words.map(capitalize).join(''));
}

/**
 * The default summary, as FastAPI makes one from the function's name: a named handler
 * `listItems` reads "List Items"; an anonymous one reads as its method and path do.
 */
export function defaultSummary(handlerName: string, method: string, path: string): string {
  const name = handlerName.replace(/^bound /, '');
  const fromPath = pathWords(path);
  const words = /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'handler' ? splitIdentifier(name) : [method.toLowerCase(), ...(fromPath.length > 0 ? fromPath : ['root'])];
  return words.map(capitalize).join(' ');
}

function splitIdentifier(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_$]+/)
    .filter((word) => word !== '');
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
