'use strict';
// The mock keeps to the ET object model as the wps-jsapi typings declare it, so the add-in cannot pass here by
// using something WPS does not have; and the add-in's reading and writing work on it without a portal.
const test = require('node:test');
const assert = require('node:assert/strict');
const typings = require('./typings.js');
const { makeApp, snapshot, used } = require('./mock-et.js');
const payload = require('../js/xxgk-payload.js');
const actions = require('../js/xxgk-actions.js');

const BOOK = {
  name: '测试.xlsx',
  sheets: [
    { name: '封面', values: { A1: '标题', B3: '单位', B11: 45677, B12: -2146826281 }, formulas: { B13: '=1+1' },
      fills: { B3: 16777215, B11: 16777215 }, formats: { B11: 'yyyy-mm-dd' }, protected: true },
    { name: '表二', values: { C6: 5 }, formulas: { D6: '=C6*2' }, protected: true }
  ],
  names: [
    { name: 'xxgk_meta_unit', sheet: '封面', address: 'B3' },
    { name: 'xxgk_meta_filled_on', sheet: '封面', address: 'B11' },
    { name: 'xxgk_block', sheet: '表二', address: 'C6:D6' },
    { name: 'xxgk_t2_c6', sheet: '表二', address: 'C6' }
  ],
  properties: { xxgk_form: 'gb2021' }
};

test('the typings are read: the ET interfaces the add-in uses are there with their members', () => {
  const t = typings.load();
  assert.ok(t.interfaces.length > 300);
  const range = t.members('Et.EtRange');
  assert.equal(range.Value2.kind, 'property');
  assert.equal(range.Address.kind, 'method');
  assert.equal(range.Row.readonly, true);
  assert.equal(t.members('Et.EtWorksheet').UsedRange.readonly, true);
  assert.equal(t.members('Et.EtNames').Item.kind, 'method');
  assert.equal(t.members('Et.EtInterior').Color.readonly, false);
});

test('the mock refuses what the typings do not declare, and read-only properties', () => {
  const { app } = makeApp(BOOK);
  const ws = app.ActiveWorkbook.Worksheets.Item(1);
  assert.throws(() => ws.UsedRange.Values, /EtRange.Values is not in the wps-jsapi typings/);
  assert.throws(() => ws.Cells.Item(1, 1).Value, /in the typings but not in this mock/);
  assert.throws(() => { ws.Index = 3; }, /read-only/);
  assert.throws(() => { ws.Cells.Item(1, 1).Address = 'A1'; }, /read-only/);
  assert.throws(() => app.Workbooks, /not in this mock/);
  assert.throws(() => ws.Cells.Item(1, 1).Value2 = 1, /受保护/);
});

test('the payload: values as xlwings sends them, names, properties, formulas and fills of single-cell names', () => {
  const { app } = makeApp(BOOK);
  const p = payload.build(app);
  assert.equal(p.client, 'WPS');
  assert.deepEqual(p.book, { name: '测试.xlsx', active_sheet_index: 0, selection: 'A1' });
  const cover = p.sheets[0].values;
  assert.equal(cover[0][0], '标题');
  assert.equal(cover[10][1], '2025-01-20T00:00:00.000Z'); // a date-formatted named cell: ISO, as xlwings sends dates
  assert.equal(cover[11][1], '#DIV/0!');
  assert.deepEqual(p.sheets[1].values, [['', '', '', ''], ['', '', '', ''], ['', '', '', ''], ['', '', '', ''],
    ['', '', '', ''], ['', '', 5, '']]);
  assert.deepEqual(p.names.map((n) => [n.name, n.sheet_index, n.address, n.book_scope]),
    [['xxgk_meta_unit', 0, 'B3', true], ['xxgk_meta_filled_on', 0, 'B11', true], ['xxgk_block', 1, 'C6:D6', true],
      ['xxgk_t2_c6', 1, 'C6', true]]);
  assert.deepEqual(p.xxgk.properties, { xxgk_form: 'gb2021' });
  assert.deepEqual(p.xxgk.fills, { 封面: { B3: '#FFFFFF', B11: '#FFFFFF' }, 表二: { C6: null } });
  assert.deepEqual(p.xxgk.formulas, {});
});

test('an empty sheet is [[]], a formula of a single-cell name is sent', () => {
  const { app } = makeApp({ name: 'a.xlsx', sheets: [{ name: 'S', values: {} }, { name: 'T', values: { A1: 1 }, formulas: { A1: '=1' } }],
    names: [{ name: 'x', sheet: 'T', address: 'A1' }] });
  const p = payload.build(app);
  assert.deepEqual(p.sheets[0].values, [[]]);
  assert.deepEqual(p.sheets[1].values, [[1]]);
  assert.deepEqual(p.xxgk.formulas, { T: { A1: '=1' } });
});

function act(func, args, at, extra) {
  return Object.assign({ func, args, values: null, sheet_position: at[0], start_row: at[1], start_column: at[2],
    row_count: at[3] || 1, column_count: at[4] || 1 }, extra || {});
}

test('actions: sheets added and deleted at their positions, values, colours as BGR, fonts, widths, hidden rows', () => {
  const { app, state } = makeApp(BOOK);
  const wb = app.ActiveWorkbook;
  const shown = [];
  actions.apply(app, wb, [
    act('addSheet', [2, '校验结果'], [null]),
    act('setValues', [null], [2, 0, 0, 2, 2], { values: [['序号', '问题'], [1, '2025-01-20T00:00:00.000Z']] }),
    act('setRangeColor', ['#FFC7CE'], [1, 5, 2]),
    act('setRangeColor', [null], [0, 2, 1]),
    act('setFontProperty', ['bold', true], [2, 0, 0, 1, 2]),
    act('setFontProperty', ['color', '#0000FF'], [2, 0, 0]),
    act('setColumnWidth', [30], [2, 0, 1]),
    act('setWrapText', [true], [2, 1, 1]),
    act('setRowHidden', [true], [2, 1, 0]),
    act('setAutofit', ['rows'], [2, 0, 0, 2, 1]),
    act('addHyperlink', ["#'表二'!C6", '表二!C6', '跳到该单元格'], [2, 1, 1]),
    act('activateSheet', [2], [null]),
    act('alert', ['发现 1 个错误', '信息公开年报', 'ok', 'critical', ''], [null])
  ], (prompt) => shown.push(prompt));
  const book = state.book;
  assert.deepEqual(book.sheets.map((s) => s.name), ['封面', '表二', '校验结果']);
  const result = book.sheets[2];
  assert.equal(result.cell('A1').value, '序号');
  assert.equal(result.cell('B2').value, 45677); // the ISO date as a serial number, shown as a date
  assert.equal(result.cell('B2').format, 'yyyy-mm-dd');
  assert.equal(result.cell('A2').format, 'General');
  assert.equal(result.cell('A1').fontBold, true);
  assert.equal(result.cell('A1').fontColor, 16711680);
  assert.equal(result.widths[2], 30);
  assert.deepEqual([...result.hidden], [2]);
  assert.deepEqual(result.links, [{ at: 'B2', address: '', subAddress: "'表二'!C6", tip: '跳到该单元格', text: '表二!C6' }]);
  assert.equal(book.sheets[1].cell('C6').fill, 0xCE * 65536 + 0xC7 * 256 + 0xFF);
  assert.equal(book.sheets[0].cell('B3').fill, null);
  assert.equal(book.active, result);
  assert.deepEqual(shown, ['发现 1 个错误']);
  // the template's protected sheets are protected again; the screen is updated again
  assert.deepEqual(snapshot(book).map((s) => s.protected), [true, true, false]);
  assert.equal(state.screenUpdating, true);
  assert.equal(state.displayAlerts, true);
  actions.apply(app, wb, [act('sheetDelete', [], [2])], () => {});
  assert.deepEqual(book.sheets.map((s) => s.name), ['封面', '表二']);
});

test('a sheet protected with a password stops the click before anything changes; unknown actions too', () => {
  const { app, state } = makeApp({ ...BOOK, sheets: [BOOK.sheets[0], { ...BOOK.sheets[1], password: '123' }] });
  const wb = app.ActiveWorkbook;
  assert.throws(() => actions.apply(app, wb, [act('setRangeColor', ['#FFC7CE'], [0, 2, 1])], () => {}),
    (e) => e instanceof actions.Refusal && /工作表“表二”设有密码保护/.test(e.message));
  assert.equal(state.book.sheets[0].cell('B3').fill, 16777215);
  assert.equal(state.book.sheets[0].protectedWith, '');
  const plain = makeApp(BOOK);
  assert.throws(() => actions.apply(plain.app, plain.app.ActiveWorkbook, [act('setRangeColor', ['#FFC7CE'], [0, 2, 1]),
    act('frobnicate', [], [0, 0, 0])], () => {}), /不认识的操作“frobnicate”/);
  assert.equal(plain.state.book.sheets[0].cell('B3').fill, 16777215);
});

test('the add-in touched only members the typings declare (report)', () => {
  const touched = [...used.entries()].filter(([, s]) => s.size).map(([i, s]) => `${i}: ${[...s].sort().join(', ')}`);
  assert.ok(touched.length >= 5);
  console.log(`ET members used:\n  ${touched.join('\n  ')}`);
});
