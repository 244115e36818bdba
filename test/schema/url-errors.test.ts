import { test } from 'node:test';
import assert from 'node:assert/strict';
import { urlParsingReason, urlScheme } from '../../src/schema/url-errors.js';

// rust-url's ParseError texts (pydantic-core quotes them in url_parsing), for the common failures.
test('each common failure gets rust-url\'s words', () => {
  const cases: [string, string][] = [
    ['', 'input is empty'],
    ['example.com', 'relative URL without a base'],
    ['/a/b', 'relative URL without a base'],
    ['http://', 'empty host'],
    ['https://:80/a', 'empty host'],
    ['http://example.com:99999', 'invalid port number'],
    ['http://example.com:8x', 'invalid port number'],
    ['http://[::1', 'invalid IPv6 address'],
    ['http://exa mple.com', 'invalid domain character'],
    ['http://1.2.3.999', 'invalid IPv4 address'],
  ];
  for (const [input, reason] of cases) assert.equal(urlParsingReason(input), reason, input);
});

test('linear on a hostile string: 1 MiB of ":" after the scheme is one pass', () => {
  assert.equal(urlParsingReason(`http://${':'.repeat(1 << 20)}`), 'empty host');
  assert.equal(urlParsingReason(`http://a${'@'.repeat(1 << 20)}`), 'empty host');
});

test('expected schemes are listed as pydantic lists them', () => {
  assert.deepEqual(urlScheme(['http', 'https']), { message: "URL scheme should be 'http' or 'https'", ctx: { expected_schemes: "'http' or 'https'" } });
});
