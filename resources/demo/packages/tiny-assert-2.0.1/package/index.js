'use strict';

class AssertionError extends Error {
  constructor(message) {
    super(message || 'Assertion failed');
    this.name = 'AssertionError';
  }
}

function assert(condition, message) {
  if (!condition) {
    throw new AssertionError(typeof message === 'function' ? message() : message);
  }
}

assert.AssertionError = AssertionError;
module.exports = assert;
