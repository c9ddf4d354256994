'use strict';
// The members of the ET interfaces the mock wraps, as JSON on stdout: the browser test hands them to the mock.
const typings = require('./typings.js').load();
const names = ['EtApplication', 'EtWorkbook', 'EtSheets', 'EtWorksheet', 'EtRange', 'EtInterior', 'EtFont', 'EtNames',
  'EtName', 'EtProtection', 'EtHyperlinks'];
process.stdout.write(JSON.stringify(Object.fromEntries(names.map((n) => [`Et.${n}`, typings.members(`Et.${n}`)]))));
