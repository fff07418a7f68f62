'use strict';

/**
 * Pad a string on the left to a given length.
 */
function leftPad(str, len, ch) {
  str = String(str);
  ch = ch === undefined ? ' ' : String(ch);
  while (str.length < len) {
    str = ch + str;
  }
  return str;
}

module.exports = leftPad;
