'use strict';
// VETBENCH DEMO PACKAGE - INERT. A typosquat of a popular middleware: the real work is the
// preinstall script in package.json (pointing at TEST-NET-3, 203.0.113.50).
module.exports = function session() {
  return function (req, res, next) { req.session = req.session || {}; next(); };
};
