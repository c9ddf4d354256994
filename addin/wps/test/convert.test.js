'use strict';
// Conversions between the WPS JSAPI and the protocol: colours, CVErr numbers, dates, A1 addresses.
const test = require('node:test');
const assert = require('node:assert/strict');
const convert = require('../js/xxgk-convert.js');

test('#RRGGBB and WPS BGR numbers convert both ways', () => {
  assert.equal(convert.hexToBgr('#FF0000'), 255);
  assert.equal(convert.hexToBgr('#0000FF'), 16711680);
  assert.equal(convert.hexToBgr('#FFC7CE'), 0xCE * 65536 + 0xC7 * 256 + 0xFF);
  for (const hex of ['#000000', '#FFFFFF', '#FFC7CE', '#FFEB9C', '#12AB9C']) {
    assert.equal(convert.bgrToHex(convert.hexToBgr(hex)), hex);
  }
  assert.throws(() => convert.hexToBgr('red'), /颜色格式不对/);
});

test('CVErr numbers from Value2 become the error texts xlwings sends', () => {
  const expected = {
    '-2146826281': '#DIV/0!', '-2146826246': '#N/A', '-2146826259': '#NAME?', '-2146826288': '#NULL!',
    '-2146826252': '#NUM!', '-2146826265': '#REF!', '-2146826273': '#VALUE!'
  };
  for (const [number, text] of Object.entries(expected)) assert.equal(convert.cellValue(Number(number)), text);
  assert.equal(convert.cellValue(-2146826280), -2146826280); // not an error code: a number
  assert.equal(convert.cellValue(-5), -5);
  assert.equal(convert.cellValue(null), '');
  assert.equal(convert.cellValue(undefined), '');
  assert.equal(convert.cellValue(true), true);
  assert.deepEqual(convert.grid(7, 1, 1), [[7]]);
  assert.deepEqual(convert.grid([[1, null], [-2146826281, 'x']], 2, 2), [[1, ''], ['#DIV/0!', 'x']]);
});

test('Value2 in the shapes a host may give: 2-D (short rows padded), flat, a COM SAFEARRAY', () => {
  assert.deepEqual(convert.grid([[1], [2, 3]], 2, 2), [[1, ''], [2, 3]]);
  assert.deepEqual(convert.grid([1, 2, 3], 1, 3), [[1, 2, 3]]);
  assert.deepEqual(convert.grid([1, 2, 3], 3, 1), [[1], [2], [3]]);
  const safeArray = { toArray: () => [1, 2, 3, 4, 5, 6], ubound: (d) => (d === 1 ? 2 : 3) }; // column-major
  assert.deepEqual(convert.grid(safeArray, 2, 3), [[1, 3, 5], [2, 4, 6]]);
  assert.deepEqual(convert.grid(null, 1, 1), [['']]);
});

test('dates: serial numbers and ISO strings, and which number formats show a date', () => {
  assert.equal(convert.serialToIso(45677), '2025-01-20T00:00:00.000Z');
  assert.equal(convert.serialToIso(45677.5), '2025-01-20T12:00:00.000Z');
  assert.equal(convert.isoToSerial('2025-01-20T00:00:00.000Z'), 45677);
  assert.equal(convert.isoToSerial('2025-01-20T12:00:00'), 45677.5);
  assert.equal(convert.isoToSerial('2025-01-20'), null);
  assert.equal(convert.isoToSerial('校验时间 2025-01-20'), null);
  for (const f of ['yyyy-mm-dd', 'yyyy"年"m"月"d"日"', 'm/d/yy', '[$-F800]dddd, mmmm dd, yyyy', 'dd-mmm']) {
    assert.equal(convert.isDateFormat(f), true, f);
  }
  for (const f of ['General', 'G/通用格式', '@', '0', '0.00', '0.00E+00', 'h:mm', '#,##0"元"', '[Red]0']) {
    assert.equal(convert.isDateFormat(f), false, f);
  }
});

test('A1 addresses', () => {
  assert.equal(convert.a1(6, 3), 'C6');
  assert.equal(convert.columnLetters(26), 'Z');
  assert.equal(convert.columnLetters(27), 'AA');
  assert.equal(convert.columnLetters(703), 'AAA');
});
