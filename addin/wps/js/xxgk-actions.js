/* 信息公开年报 WPS 加载项: the portal's answer applied to the open book. The answer is a list of xlwings actions
 * (addin/PROTOCOL.md); each function here does what xlwings' VBA client (addin/vba/Remote.bas and XxgkRemote.bas)
 * does in Excel, through the WPS JSAPI. Positions are 0-based, WPS collections 1-based; colours are sent as
 * "#RRGGBB" and set as BGR numbers. Protected sheets (the template's, empty password) are unprotected first and
 * protected again with the same allowances afterwards; a sheet or structure with a real password stops the click
 * before anything changes. Message boxes (alert) are shown after the book is protected again. */
(function (root, name, factory) {
  if (typeof module === 'object' && module.exports) module.exports = factory(require('./xxgk-convert.js'));
  else (root.XxgkWps = root.XxgkWps || {})[name] = factory(root.XxgkWps.convert);
})(this, 'actions', function (convert) {
  'use strict';

  var ALLOWANCES = ['AllowFormattingCells', 'AllowFormattingColumns', 'AllowFormattingRows', 'AllowInsertingColumns',
    'AllowInsertingRows', 'AllowInsertingHyperlinks', 'AllowDeletingColumns', 'AllowDeletingRows', 'AllowSorting',
    'AllowFiltering', 'AllowUsingPivotTables'];

  function Refusal(message) {
    this.message = message;
  }
  Refusal.prototype = Object.create(Error.prototype);
  Refusal.prototype.name = 'Refusal';

  function sheet(wb, position) {
    return wb.Worksheets.Item(position + 1);
  }

  function range(wb, a) {
    // the action's block by its A1 address (what every host takes; VBA's GetRange builds the same block)
    var first = convert.a1(a.start_row + 1, a.start_column + 1);
    var last = convert.a1(a.start_row + a.row_count, a.start_column + a.column_count);
    return sheet(wb, a.sheet_position).Range(first === last ? first : first + ':' + last);
  }

  function valueFor(v) {
    // what VBA's setValues writes: ISO date strings become dates (serial numbers for Value2)
    if (typeof v === 'string') {
      var serial = convert.isoToSerial(v);
      if (serial !== null) return serial;
    }
    return v === null || v === undefined ? '' : v;
  }

  function dateFormats(wb, a) {
    // a date written as a serial number shows as a date where the cell has no number format of its own
    // (Excel does this itself when VBA writes a Date)
    a.values.forEach(function (row, i) {
      row.forEach(function (v, j) {
        var serial = typeof v === 'string' ? convert.isoToSerial(v) : null;
        if (serial === null) return;
        var cell = sheet(wb, a.sheet_position).Range(convert.a1(a.start_row + i + 1, a.start_column + j + 1));
        var format = String(cell.NumberFormat);
        if (format === 'General' || format.indexOf('通用') >= 0) {
          cell.NumberFormat = serial === Math.floor(serial) ? 'yyyy-mm-dd' : 'yyyy-mm-dd hh:mm:ss';
        }
      });
    });
  }

  var FUNCS = {
    addSheet: function (wb, a) {
      var position = a.args[0], count = wb.Worksheets.Count;
      var ws = position < count ? wb.Worksheets.Add(wb.Worksheets.Item(position + 1))
        : wb.Worksheets.Add(undefined, wb.Worksheets.Item(count));
      if (a.args[1] !== null && a.args[1] !== undefined) ws.Name = a.args[1];
    },
    sheetDelete: function (wb, a, app) {
      var alerts = app.DisplayAlerts;
      app.DisplayAlerts = false;
      try {
        sheet(wb, a.sheet_position).Delete();
      } finally {
        app.DisplayAlerts = alerts;
      }
    },
    activateSheet: function (wb, a) {
      sheet(wb, a.args[0]).Activate();
    },
    setValues: function (wb, a) {
      var values = a.values.map(function (row) { return row.map(valueFor); });
      var target = range(wb, a);
      target.Value2 = a.row_count === 1 && a.column_count === 1 ? values[0][0] : values;
      dateFormats(wb, a);
    },
    rangeClearContents: function (wb, a) {
      range(wb, a).ClearContents();
    },
    setRangeColor: function (wb, a) {
      var interior = range(wb, a).Interior;
      if (a.args[0] === null || a.args[0] === undefined) interior.ColorIndex = convert.NO_FILL;
      else interior.Color = convert.hexToBgr(a.args[0]);
    },
    addHyperlink: function (wb, a) {
      var anchor = range(wb, a), address = String(a.args[0]);
      var inside = address.charAt(0) === '#';
      sheet(wb, a.sheet_position).Hyperlinks.Add(anchor, inside ? '' : address, inside ? address.slice(1) : '',
        a.args[2], a.args[1]);
    },
    setAutofit: function (wb, a) {
      var target = range(wb, a);
      if (a.args[0] === 'columns') target.Columns.AutoFit();
      else target.Rows.AutoFit();
    },
    setColumnWidth: function (wb, a) {
      range(wb, a).ColumnWidth = a.args[0];
    },
    setRowHidden: function (wb, a) {
      range(wb, a).EntireRow.Hidden = a.args[0];
    },
    setWrapText: function (wb, a) {
      range(wb, a).WrapText = a.args[0];
    },
    setFontProperty: function (wb, a) {
      var font = range(wb, a).Font, what = a.args[0], value = a.args[1];
      if (what === 'bold') font.Bold = value;
      else if (what === 'italic') font.Italic = value;
      else if (what === 'size') font.Size = value;
      else if (what === 'color') font.Color = convert.hexToBgr(value);
      else if (what === 'name') font.Name = value;
    }
  };

  function unprotect(wb) {
    // every protected sheet (and the structure) opened with the empty password: their states, to protect again
    var state = { structure: false, sheets: [] };
    if (wb.ProtectStructure) {
      try {
        wb.Unprotect('');
      } catch (e) { /* checked below */ }
      if (wb.ProtectStructure) throw new Refusal('工作簿结构设有密码保护，加载项无法在其中标记问题。请先撤销工作簿保护（审阅 → 保护工作簿），再点按钮。');
      state.structure = true;
    }
    for (var i = 1; i <= wb.Worksheets.Count; i++) {
      var ws = wb.Worksheets.Item(i);
      if (!ws.ProtectContents) continue;
      var saved = allowances(ws);
      try {
        ws.Unprotect('');
      } catch (e) { /* checked below */ }
      if (ws.ProtectContents) {
        protectAgain(wb, state);
        throw new Refusal('工作表“' + ws.Name + '”设有密码保护，加载项无法在其中标记问题。请先撤销该表的保护（审阅 → 撤销工作表保护），再点按钮。');
      }
      state.sheets.push(saved);
    }
    return state;
  }

  function allowances(ws) {
    var p = ws.Protection, out = { name: ws.Name, drawing: ws.ProtectDrawingObjects, scenarios: ws.ProtectScenarios };
    ALLOWANCES.forEach(function (key) { out[key] = p[key]; });
    return out;
  }

  function protectAgain(wb, state) {
    state.sheets.forEach(function (s) {
      try {
        var ws = wb.Worksheets.Item(s.name);
        ws.Protect('', s.drawing, true, s.scenarios, false, s.AllowFormattingCells, s.AllowFormattingColumns,
          s.AllowFormattingRows, s.AllowInsertingColumns, s.AllowInsertingRows, s.AllowInsertingHyperlinks,
          s.AllowDeletingColumns, s.AllowDeletingRows, s.AllowSorting, s.AllowFiltering, s.AllowUsingPivotTables);
      } catch (e) { /* a sheet the actions deleted */ }
    });
    if (state.structure) wb.Protect('', true);
  }

  function check(actions) {
    for (var i = 0; i < actions.length; i++) {
      var func = actions[i] && actions[i].func;
      if (func !== 'alert' && !Object.prototype.hasOwnProperty.call(FUNCS, func)) {
        throw new Refusal('报送平台返回了本加载项不认识的操作“' + func + '”。请更新 WPS 加载项（重新安装或重启 WPS），再点一次。');
      }
    }
  }

  function apply(app, wb, actions, show) {
    // apply the actions in order; alerts are handed to `show(prompt, title, mode)` at the end. Throws Refusal.
    check(actions);
    var state = unprotect(wb), alerts = [], updating = app.ScreenUpdating;
    app.ScreenUpdating = false;
    try {
      actions.forEach(function (a) {
        if (a.func === 'alert') alerts.push(a.args);
        else FUNCS[a.func](wb, a, app);
      });
    } finally {
      protectAgain(wb, state);
      app.ScreenUpdating = updating;
    }
    alerts.forEach(function (args) { show(args[0], args[1], args[3]); });
    return alerts.length;
  }

  return { apply: apply, FUNCS: FUNCS, Refusal: Refusal, unprotect: unprotect, protectAgain: protectAgain };
});
