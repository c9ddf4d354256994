/* 信息公开年报 WPS 加载项: the open book as the protocol's request (addin/PROTOCOL.md), read through the WPS JSAPI
 * as xlwings' VBA client reads it in Excel (vendored addin/vba/Remote.bas, RunServerPython): book name, active sheet,
 * selection, the workbook names that refer to a range, every worksheet's values from A1 to the end of its used
 * range (Range.Value2), plus our clients' "xxgk" key: the custom document properties and, for every name that
 * refers to a single cell, its formula (when it holds one) and its fill (null when none); a number in a cell
 * formatted as a date is sent as xlwings sends dates (ISO string). Collections are 1-based and called with
 * .Item(i); parameterised properties are called (Address(false, false)). */
(function (root, name, factory) {
  if (typeof module === 'object' && module.exports) module.exports = factory(require('./xxgk-convert.js'));
  else (root.XxgkWps = root.XxgkWps || {})[name] = factory(root.XxgkWps.convert);
})(this, 'payload', function (convert) {
  'use strict';

  var XLWINGS_VERSION = '0.37.8';
  var PROTOCOL = 1;

  function attempt(fn, fallback) {
    try {
      return fn();
    } catch (e) {
      return fallback;
    }
  }

  function sheetValues(ws) {
    var used = ws.UsedRange;
    var rows = used.Row + used.Rows.Count - 1;
    var cols = used.Column + used.Columns.Count - 1;
    if (rows === 1 && cols === 1) {
      var only = ws.Cells.Item(1, 1).Value2;
      return only === null || only === undefined || only === '' ? [[]] : [[convert.cellValue(only)]];
    }
    return convert.grid(ws.Range('A1:' + convert.a1(rows, cols)).Value2, rows, cols);
  }

  function sheetEntry(ws) {
    return { name: ws.Name, values: sheetValues(ws), pictures: [], tables: [] };
  }

  function nameEntry(n, wb) {
    var range = attempt(function () { return n.RefersToRange; }, null);
    if (!range) return null;
    var full = String(n.Name);
    var bang = full.lastIndexOf('!');
    var scope = bang >= 0 ? full.slice(0, bang).replace(/^'|'$/g, '').replace(/''/g, "'") : null;
    var scopeIndex = null;
    if (scope !== null) {
      scopeIndex = attempt(function () { return wb.Worksheets.Item(scope).Index - 1; }, null);
    }
    return {
      name: full, sheet_index: range.Worksheet.Index - 1, address: range.Address(false, false),
      book_scope: scope === null, scope_sheet_name: scope, scope_sheet_index: scopeIndex
    };
  }

  function properties(wb) {
    var out = {};
    attempt(function () {
      var props = wb.CustomDocumentProperties;
      for (var i = 1; i <= props.Count; i++) {
        var p = props.Item(i);
        out[String(p.Name)] = String(p.Value);
      }
    });
    return out;
  }

  function sheetDict(map, key) {
    if (!Object.prototype.hasOwnProperty.call(map, key)) map[key] = {};
    return map[key];
  }

  function cellExtras(wb, sheets) {
    // formula and fill of each single-cell name; dates shown in such cells go into `sheets` as ISO strings
    var formulas = {}, fills = {};
    var names = wb.Names;
    for (var i = 1; i <= names.Count; i++) {
      var range = attempt(function () { return names.Item(i).RefersToRange; }, null);
      if (!range || range.Count !== 1) continue;
      var ws = range.Worksheet, where = ws.Name, a1 = range.Address(false, false);
      if (range.HasFormula) sheetDict(formulas, where)[a1] = String(range.Formula);
      var interior = range.Interior;
      sheetDict(fills, where)[a1] = interior.ColorIndex === convert.NO_FILL ? null : convert.bgrToHex(interior.Color);
      dateAsIso(sheets[ws.Index - 1], range);
    }
    return { formulas: formulas, fills: fills };
  }

  function dateAsIso(sheet, range) {
    var row = range.Row - 1, col = range.Column - 1;
    var values = sheet && sheet.values;
    if (!values || row >= values.length || col >= values[row].length) return;
    var v = values[row][col];
    if (typeof v === 'number' && convert.errorText(v) === null && convert.isDateFormat(range.NumberFormat)) {
      values[row][col] = convert.serialToIso(v);
    }
  }

  function build(app, client) {
    var wb = app.ActiveWorkbook;
    if (!wb) throw new Error('没有打开的工作簿：请先打开要校验的年报工作簿，再点按钮。');
    var sheets = [];
    var count = wb.Worksheets.Count;
    for (var i = 1; i <= count; i++) sheets.push(sheetEntry(wb.Worksheets.Item(i)));
    var names = [];
    for (var j = 1; j <= wb.Names.Count; j++) {
      var entry = nameEntry(wb.Names.Item(j), wb);
      if (entry) names.push(entry);
    }
    var extras = cellExtras(wb, sheets);
    return {
      client: 'WPS',
      version: XLWINGS_VERSION,
      book: {
        name: wb.Name,
        active_sheet_index: attempt(function () { return app.ActiveSheet.Index - 1; }, 0),
        selection: attempt(function () { return app.Selection.Address(false, false); }, null)
      },
      names: names,
      sheets: sheets,
      xxgk: {
        protocol: PROTOCOL, client: client || '信息公开年报 WPS 加载项',
        properties: properties(wb), formulas: extras.formulas, fills: extras.fills
      }
    };
  }

  return { build: build, sheetValues: sheetValues, XLWINGS_VERSION: XLWINGS_VERSION, PROTOCOL: PROTOCOL };
});
