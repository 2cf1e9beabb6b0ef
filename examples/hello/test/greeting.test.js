import assert from 'node:assert/strict';
import { test } from 'node:test';
import { greeting } from '../greeting.js';

test('greets with the host and the version', () => {
  assert.equal(greeting('web-1', '3-abc1234'), 'hello from web-1, running version 3-abc1234');
});
