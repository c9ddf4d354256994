/* 信息公开年报 WPS 加载项: conversions between the WPS JSAPI and the add-in protocol (addin/PROTOCOL.md).
 * Colours: the protocol's "#RRGGBB" <-> WPS's BGR numbers (b*65536 + g*256 + r). Formula errors: Range.Value2
 * gives CVErr numbers (-2146826281 is #DIV/0!, error 2007 | 0x800A0000), the protocol wants the error text.
 * Dates: Value2 gives serial numbers; a cell formatted as a date is sent as an ISO string, as xlwings does.
 * Plain ES5 script (WPS's embedded Chromium, node's test runner): no modules, no build step. */
(function (root, name, factory) {
  if (typeof module === 'object' && module.exports) module.exports = factory();
  else (root.XxgkWps = root.XxgkWps || {})[name] = factory();
})(this, 'convert', function () {
  'use strict';

  var ERRORS = { 2000: '#NULL!', 2007: '#DIV/0!', 2015: '#VALUE!', 2023: '#REF!', 2029: '#NAME?', 2036: '#NUM!', 2042: '#N/A' };
  var CVERR_BASE = -2146828288; // 0x800A0000 as a signed 32-bit number
  var NO_FILL = -4142; // xlColorIndexNone
  var EXCEL_EPOCH = Date.UTC(1899, 11, 30);

  function hexToBgr(hex) {
    var m = /^#?([0-9a-fA-F]{2})([0-9a-fA-F]{2})([0-9a-fA-F]{2})$/.exec(String(hex));
    if (!m) throw new Error('颜色格式不对：' + hex);
    return parseInt(m[3], 16) * 65536 + parseInt(m[2], 16) * 256 + parseInt(m[1], 16);
  }

  function pad2(n) {
    return (n < 16 ? '0' : '') + n.toString(16).toUpperCase();
  }

  function bgrToHex(bgr) {
    var n = Number(bgr) >>> 0;
    return '#' + pad2(n & 255) + pad2((n >> 8) & 255) + pad2((n >> 16) & 255);
  }

  function errorText(value) {
    if (typeof value !== 'number' || value >= 0 || Math.floor(value) !== value) return null;
    return ERRORS[value - CVERR_BASE] || null;
  }

  function cellValue(value) {
    // one Value2 cell as xlwings sends it: empty "", errors as their text, numbers, text and booleans as they are
    if (value === null || value === undefined) return '';
    var error = errorText(value);
    return error === null ? value : error;
  }

  function grid(value2, rows, cols) {
    // Range.Value2 of a rows x cols block as a 2-D array of protocol values. WPS gives a 2-D array (a single cell:
    // a scalar); tolerated as well: a COM SAFEARRAY (VBArray: toArray() is column-major) and a flat array.
    var flat = null;
    if (value2 && typeof value2.toArray === 'function' && typeof value2.ubound === 'function') {
      var items = value2.toArray();
      flat = [];
      for (var r = 0; r < rows; r++) for (var c = 0; c < cols; c++) flat.push(items[c * rows + r]);
    } else if (!Array.isArray(value2)) {
      flat = [value2];
    } else if (!value2.some(Array.isArray)) {
      flat = value2;
    }
    var out = [];
    for (var i = 0; i < (rows || 1); i++) {
      var row = flat ? flat.slice(i * (cols || 1), (i + 1) * (cols || 1)) : (value2[i] || []);
      var line = [];
      for (var j = 0; j < (cols || row.length); j++) line.push(cellValue(row[j]));
      out.push(line);
    }
    return out;
  }

  function isDateFormat(format) {
    // a number format showing a date: y, m with d, or 年/月/日 outside quotes and brackets
    var bare = String(format || '').replace(/"[^"]*"|\[[^\]]*\]|\\./g, '').toLowerCase();
    if (bare === 'general' || bare.indexOf('通用') >= 0 || bare === '@') return false;
    return /y/.test(bare) || (/d/.test(bare) && /m/.test(bare));
  }

  function serialToIso(serial) {
    var ms = Math.round(EXCEL_EPOCH + serial * 86400000);
    return new Date(ms).toISOString();
  }

  function isoToSerial(text) {
    // xlwings' date strings ("2025-01-20T00:00:00.000Z", also without Z or milliseconds); null when not one
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z?$/.exec(String(text));
    if (!m) return null;
    var ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], m[7] ? Math.round(+m[7] * 1000) : 0);
    return (ms - EXCEL_EPOCH) / 86400000;
  }

  function columnLetters(col) {
    // 1 -> A, 27 -> AA
    var out = '';
    while (col > 0) {
      var r = (col - 1) % 26;
      out = String.fromCharCode(65 + r) + out;
      col = (col - r - 1) / 26;
    }
    return out;
  }

  function a1(row, col) {
    return columnLetters(col) + row;
  }

  return {
    ERRORS: ERRORS, CVERR_BASE: CVERR_BASE, NO_FILL: NO_FILL,
    hexToBgr: hexToBgr, bgrToHex: bgrToHex, errorText: errorText, cellValue: cellValue, grid: grid,
    isDateFormat: isDateFormat, serialToIso: serialToIso, isoToSerial: isoToSerial,
    columnLetters: columnLetters, a1: a1
  };
});
