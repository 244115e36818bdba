// src/option-checks.ts: every numeric option is refused in one message form, naming the option,
// what it must be and what it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopwiseError } from '../../src/errors.js';
import { integerBetween, nonNegativeInteger, nonNegativeNumber, positiveInteger, positiveNumber } from '../../src/option-checks.js';

function refusal(check: () => unknown): LoopwiseError {
  try {
    check();
  } catch (error) {
    assert.ok(error instanceof LoopwiseError, String(error));
    return error;
  }
  assert.fail('the value was accepted');
}

test('accepted values are returned as they are', () => {
  assert.equal(positiveInteger(1, 'a'), 1);
  assert.equal(nonNegativeInteger(0, 'a'), 0);
  assert.equal(integerBetween(9, 'a', 0, 9), 9);
  assert.equal(positiveNumber(0.5, 'a'), 0.5);
  assert.equal(nonNegativeNumber(0, 'a'), 0);
});

test('one message form: LW_ERR_INVALID_OPTION: <name> must be …, not <value>.', () => {
  const cases: [() => unknown, string][] = [
    [() => positiveInteger(0, 'pool.threads'), 'pool.threads must be a whole number ≥ 1, not 0.'],
    [() => positiveInteger(1.5, 'maxHeaderSize', { unit: 'bytes' }), 'maxHeaderSize must be a whole number of bytes ≥ 1, not 1.5.'],
    [() => nonNegativeInteger(-1, 'sendTimeout', { unit: 'milliseconds' }), 'sendTimeout must be a whole number of milliseconds ≥ 0, not -1.'],
    [() => integerBetween(12, 'compression() level', 0, 9), 'compression() level must be a whole number from 0 to 9, not 12.'],
    [() => positiveNumber(Number.POSITIVE_INFINITY, 'guard.sampleInterval', { unit: 'milliseconds' }), 'guard.sampleInterval must be a number of milliseconds > 0, not Infinity.'],
    [() => nonNegativeNumber(Number.NaN, 'sse() heartbeat'), 'sse() heartbeat must be a number ≥ 0, not NaN.'],
    [() => positiveInteger('5', 'validation.maxIssues'), 'validation.maxIssues must be a whole number ≥ 1, not "5".'],
    [() => positiveInteger(Object.create(null), 'pool.maxQueue'), 'pool.maxQueue must be a whole number ≥ 1, not object.'],
    [() => positiveInteger(2 ** 60, 'pool.maxQueue'), `pool.maxQueue must be a whole number ≥ 1, not ${2 ** 60}.`],
  ];
  for (const [check, message] of cases) {
    const error = refusal(check);
    assert.equal(error.code, 'LW_ERR_INVALID_OPTION');
    assert.equal(error.message, `LW_ERR_INVALID_OPTION: ${message}`);
  }
});

test('a check may keep the code of where the option is given', () => {
  const error = refusal(() => positiveNumber(0, 'the timeout of GET /x', { unit: 'milliseconds', code: 'LW_ERR_INVALID_ROUTE' }));
  assert.equal(error.message, 'LW_ERR_INVALID_ROUTE: the timeout of GET /x must be a number of milliseconds > 0, not 0.');
});
