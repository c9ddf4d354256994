'use strict';
// A mock of the WPS spreadsheet (ET) object model, faithful to the wps-jsapi typings: every object is wrapped so
// that reading or writing a member the typings do not declare throws, calling a property or reading a method as a
// value throws, and assigning a readonly property throws. The book is loaded from a JSON dump of a real .xlsx
// (tests/wps_books.py): values as Value2 gives them (errors as CVErr numbers, dates as serial numbers), formulas,
// fills (BGR numbers), number formats, defined names, custom document properties, sheet protection.
// In node the typings are parsed from the package; in a browser (tests/web/test_wps_addin.py) they are handed
// over as window.XXGK_ET_TYPINGS ({"Et.EtRange": {member: {kind, readonly}}}) before this script runs.
const typings = typeof require === 'function' ? require('./typings.js')
  : { load: () => ({ members: (name) => globalThis.XXGK_ET_TYPINGS[name] }) };

function columnLetters(col) {
  let out = '';
  for (let n = col; n > 0; n = Math.floor((n - 1) / 26)) out = String.fromCharCode(65 + ((n - 1) % 26)) + out;
  return out;
}

function toA1(row, col) {
  return columnLetters(col) + row;
}

const NO_FILL = -4142;
const WHITE = 16777215;
const used = new Map(); // interface -> Set of members the add-in touched (for the report)

function strict(target, iface) {
  const members = typings.load().members(`Et.${iface}`);
  for (const key of Object.keys(target)) {
    const decl = members[key];
    if (!decl) throw new Error(`mock ${iface}.${key} is not in the wps-jsapi typings`);
    const isFn = typeof Object.getOwnPropertyDescriptor(target, key).value === 'function';
    if (isFn !== (decl.kind === 'method')) throw new Error(`mock ${iface}.${key}: the typings declare a ${decl.kind}`);
  }
  const touched = used.get(iface) || new Set();
  used.set(iface, touched);
  return new Proxy(target, {
    get(t, key) {
      if (typeof key === 'symbol' || key === 'toJSON' || key === 'inspect') return t[key];
      if (key === '__target') return t;
      if (!members[key]) throw new TypeError(`${iface}.${String(key)} is not in the wps-jsapi typings`);
      if (!(key in t)) throw new TypeError(`${iface}.${String(key)} is in the typings but not in this mock`);
      touched.add(key);
      return t[key];
    },
    set(t, key, value) {
      const decl = members[key];
      if (!decl) throw new TypeError(`${iface}.${String(key)} is not in the wps-jsapi typings`);
      if (decl.readonly || decl.kind === 'method') throw new TypeError(`${iface}.${String(key)} is read-only`);
      if (!Object.getOwnPropertyDescriptor(t, key) || !Object.getOwnPropertyDescriptor(t, key).set) {
        throw new TypeError(`${iface}.${String(key)} cannot be set in this mock`);
      }
      touched.add(key);
      t[key] = value;
      return true;
    }
  });
}

function parseA1(text) {
  const m = /^\$?([A-Z]+)\$?(\d+)$/.exec(String(text).toUpperCase());
  if (!m) throw new Error(`not a cell address: ${text}`);
  let col = 0;
  for (const ch of m[1]) col = col * 26 + ch.charCodeAt(0) - 64;
  return { row: Number(m[2]), col };
}

class Sheet {
  constructor(book, spec) {
    this.book = book;
    this.name = spec.name;
    this.cells = new Map(); // "r,c" -> {value, formula, fill, format, bold, ...}
    for (const [a1, v] of Object.entries(spec.values || {})) this.cell(a1).value = v;
    for (const [a1, f] of Object.entries(spec.formulas || {})) this.cell(a1).formula = f;
    for (const [a1, c] of Object.entries(spec.fills || {})) this.cell(a1).fill = c;
    for (const [a1, f] of Object.entries(spec.formats || {})) this.cell(a1).format = f;
    this.protectedWith = spec.password === undefined ? (spec.protected ? '' : null) : spec.password;
    this.allowances = { AllowFormattingCells: true, AllowFormattingColumns: true, AllowFormattingRows: false };
    this.hidden = new Set();
    this.widths = {};
    this.links = [];
  }

  cell(a1OrRow, col) {
    const { row, col: c } = col === undefined ? parseA1(a1OrRow) : { row: a1OrRow, col };
    const key = `${row},${c}`;
    if (!this.cells.has(key)) this.cells.set(key, { value: null, formula: null, fill: null, format: 'General' });
    return this.cells.get(key);
  }

  peek(row, col) {
    return this.cells.get(`${row},${col}`);
  }

  write() {
    if (this.protectedWith !== null) throw new Error(`工作表“${this.name}”受保护，不能修改`);
  }

  extent() {
    let rows = 1, cols = 1;
    for (const [key, c] of this.cells) {
      if (c.value === null && c.formula === null && c.fill === null) continue;
      const [r, k] = key.split(',').map(Number);
      rows = Math.max(rows, r);
      cols = Math.max(cols, k);
    }
    return { rows, cols };
  }
}

function makeRange(sheet, r1, c1, r2, c2) {
  const cells = () => {
    const out = [];
    for (let r = r1; r <= r2; r++) for (let c = c1; c <= c2; c++) out.push(sheet.cell(r, c));
    return out;
  };
  const one = () => sheet.cell(r1, c1);
  const target = {
    get Row() { return r1; },
    get Column() { return c1; },
    get Count() { return (r2 - r1 + 1) * (c2 - c1 + 1); },
    get Rows() { return strict({ get Count() { return r2 - r1 + 1; }, AutoFit() { sheet.autofit = (sheet.autofit || 0) + 1; } }, 'EtRange'); },
    get Columns() { return strict({ get Count() { return c2 - c1 + 1; }, AutoFit() { sheet.autofit = (sheet.autofit || 0) + 1; } }, 'EtRange'); },
    get Worksheet() { return worksheet(sheet); },
    get Value2() {
      if (r1 === r2 && c1 === c2) return valueOf(one());
      const out = [];
      for (let r = r1; r <= r2; r++) {
        const row = [];
        for (let c = c1; c <= c2; c++) row.push(valueOf(sheet.peek(r, c)));
        out.push(row);
      }
      return out;
    },
    set Value2(v) {
      sheet.write();
      for (let r = r1; r <= r2; r++) {
        for (let c = c1; c <= c2; c++) {
          const given = Array.isArray(v) ? (v[r - r1] || [])[c - c1] : v;
          enter(sheet.cell(r, c), given);
        }
      }
    },
    get HasFormula() { return one().formula !== null; },
    get Formula() { const c = one(); return c.formula !== null ? c.formula : c.value === null ? '' : String(c.value); },
    get NumberFormat() { return one().format; },
    set NumberFormat(v) { sheet.write(); cells().forEach((c) => { c.format = v; }); },
    get Interior() { return interior(sheet, cells, one); },
    get Font() { return font(sheet, cells, one); },
    get EntireRow() {
      return strict({ set Hidden(v) { sheet.write(); for (let r = r1; r <= r2; r++) (v ? sheet.hidden.add(r) : sheet.hidden.delete(r)); }, get Hidden() { return sheet.hidden.has(r1); } }, 'EtRange');
    },
    set ColumnWidth(w) { sheet.write(); for (let c = c1; c <= c2; c++) sheet.widths[c] = w; },
    get ColumnWidth() { return sheet.widths[c1] || 8.38; },
    set WrapText(v) { sheet.write(); cells().forEach((c) => { c.wrap = v; }); },
    get WrapText() { return Boolean(one().wrap); },
    Address(rowAbsolute, colAbsolute) {
      const abs = (flag) => (flag === false ? '' : '$');
      const cell = (r, c) => `${abs(colAbsolute)}${columnLetters(c)}${abs(rowAbsolute)}${r}`;
      return r1 === r2 && c1 === c2 ? cell(r1, c1) : `${cell(r1, c1)}:${cell(r2, c2)}`;
    },
    ClearContents() { sheet.write(); cells().forEach((c) => { c.value = null; c.formula = null; }); },
    Item(row, col) { return makeRange(sheet, r1 + row - 1, c1 + col - 1, r1 + row - 1, c1 + col - 1); }
  };
  return strict(target, 'EtRange');
}

function enter(cell, given) {
  // what typing does: text starting with "=" is a formula (HYPERLINK shows its friendly name; others are not
  // computed here), anything else a value
  if (typeof given === 'string' && given.startsWith('=')) {
    const link = /^=HYPERLINK\("(?:[^"]|"")*","((?:[^"]|"")*)"\)$/.exec(given);
    cell.formula = given;
    cell.value = link ? link[1].replace(/""/g, '"') : null;
    return;
  }
  cell.value = given === '' || given === undefined ? null : given;
  cell.formula = null;
}

function valueOf(cell) {
  return cell === undefined || cell.value === undefined ? null : cell.value;
}

function interior(sheet, cells, one) {
  return strict({
    get Color() { const f = one().fill; return f === null ? WHITE : f; },
    set Color(v) { sheet.write(); cells().forEach((c) => { c.fill = v; }); },
    get ColorIndex() { return one().fill === null ? NO_FILL : 1; },
    set ColorIndex(v) {
      sheet.write();
      if (v !== NO_FILL) throw new Error('mock: only ColorIndex = xlColorIndexNone is modelled');
      cells().forEach((c) => { c.fill = null; });
    }
  }, 'EtInterior');
}

function font(sheet, cells, one) {
  const prop = (key) => ({
    get() { return one()[`font${key}`]; },
    set(v) { sheet.write(); cells().forEach((c) => { c[`font${key}`] = v; }); },
    enumerable: true
  });
  return strict(Object.defineProperties({}, { Bold: prop('Bold'), Italic: prop('Italic'), Size: prop('Size'),
    Color: prop('Color'), Name: prop('Name') }), 'EtFont');
}

const wrappers = new WeakMap();

function worksheet(sheet) {
  if (wrappers.has(sheet)) return wrappers.get(sheet);
  const book = sheet.book;
  const protection = strict(Object.defineProperties({}, Object.fromEntries(
    ['AllowFormattingCells', 'AllowFormattingColumns', 'AllowFormattingRows', 'AllowInsertingColumns',
      'AllowInsertingRows', 'AllowInsertingHyperlinks', 'AllowDeletingColumns', 'AllowDeletingRows', 'AllowSorting',
      'AllowFiltering', 'AllowUsingPivotTables']
      .map((k) => [k, { get() { return Boolean(sheet.allowances[k]); }, enumerable: true }]))), 'EtProtection');
  const cells = strict({
    Item(row, col) { return makeRange(sheet, row, col, row, col); }
  }, 'EtRange');
  const ws = strict({
    get Name() { return sheet.name; },
    set Name(v) {
      if (book.sheets.some((s) => s !== sheet && s.name === v)) throw new Error(`工作表名称“${v}”已存在`);
      sheet.name = v;
    },
    get Index() { return book.sheets.indexOf(sheet) + 1; },
    get UsedRange() { const e = sheet.extent(); return makeRange(sheet, 1, 1, e.rows, e.cols); },
    get Cells() { return cells; },
    Range(first, last) {
      const at = (x) => (typeof x === 'string' ? parseA1(x) : { row: x.Row, col: x.Column });
      if (typeof first === 'string' && first.includes(':')) [first, last] = first.split(':');
      const a = at(first), b = last === undefined ? a : at(last);
      return makeRange(sheet, a.row, a.col, b.row, b.col);
    },
    get ProtectContents() { return sheet.protectedWith !== null; },
    get ProtectDrawingObjects() { return sheet.protectedWith !== null; },
    get ProtectScenarios() { return sheet.protectedWith !== null; },
    get Protection() { return protection; },
    Protect(password, drawing, contents, scenarios, uiOnly, ...allow) {
      sheet.protectedWith = password === undefined ? '' : password;
      ['AllowFormattingCells', 'AllowFormattingColumns', 'AllowFormattingRows', 'AllowInsertingColumns',
        'AllowInsertingRows', 'AllowInsertingHyperlinks', 'AllowDeletingColumns', 'AllowDeletingRows', 'AllowSorting',
        'AllowFiltering', 'AllowUsingPivotTables'].forEach((k, i) => { sheet.allowances[k] = Boolean(allow[i]); });
      book.log.push(`protect ${sheet.name}`);
    },
    Unprotect(password) {
      if (sheet.protectedWith !== null && sheet.protectedWith !== (password || '')) throw new Error('密码不正确');
      sheet.protectedWith = null;
      book.log.push(`unprotect ${sheet.name}`);
    },
    Delete() {
      if (book.app.displayAlerts) throw new Error('mock: Delete would ask the user (DisplayAlerts is on)');
      book.sheets.splice(book.sheets.indexOf(sheet), 1);
    },
    Activate() { book.active = sheet; },
    get Hyperlinks() {
      return strict({
        Add(anchor, address, subAddress, tip, text) {
          sheet.write();
          sheet.links.push({ at: anchor.Address(false, false), address, subAddress, tip, text });
        },
        get Count() { return sheet.links.length; }
      }, 'EtHyperlinks');
    }
  }, 'EtWorksheet');
  wrappers.set(sheet, ws);
  return ws;
}

function makeBook(spec, app) {
  const book = { app, name: spec.name, sheets: [], names: [], props: spec.properties || {}, log: [],
    structure: Boolean(spec.protect_structure) };
  book.sheets = spec.sheets.map((s) => new Sheet(book, s));
  book.active = book.sheets[0];
  book.names = (spec.names || []).map((n) => ({ ...n }));
  const sheetsCollection = strict({
    get Count() { return book.sheets.length; },
    Item(key) {
      const s = typeof key === 'number' ? book.sheets[key - 1] : book.sheets.find((x) => x.name === key);
      if (!s) throw new Error(`下标越界：${key}`);
      return worksheet(s);
    },
    Add(before, after) {
      const s = new Sheet(book, { name: `Sheet${book.sheets.length + 1}` });
      const anchor = (before || after).__target;
      const at = book.sheets.findIndex((x) => worksheet(x).__target === anchor) + (before ? 0 : 1);
      if (book.structure) throw new Error('工作簿结构受保护');
      book.sheets.splice(at, 0, s);
      book.active = s;
      return worksheet(s);
    }
  }, 'EtSheets');
  const nameObject = (n) => strict({
    get Name() { return n.name; },
    get RefersTo() { return n.refers_to || `=${quote(n.sheet)}!${n.address}`; },
    get RefersToRange() {
      const s = book.sheets.find((x) => x.name === n.sheet);
      if (!s) throw new Error('名称不引用区域');
      return worksheet(s).Range(n.address);
    }
  }, 'EtName');
  const names = strict({
    get Count() { return book.names.length; },
    Item(i) { return nameObject(book.names[i - 1]); }
  }, 'EtNames');
  const propsCollection = {
    get Count() { return Object.keys(book.props).length; },
    Item(i) { const [k, v] = Object.entries(book.props)[i - 1]; return { Name: k, Value: v }; }
  };
  book.wb = strict({
    get Name() { return book.name; },
    get Worksheets() { return sheetsCollection; },
    get Sheets() { return sheetsCollection; },
    get Names() { return names; },
    get ActiveSheet() { return worksheet(book.active); },
    get CustomDocumentProperties() { return propsCollection; },
    get ProtectStructure() { return book.structure; },
    Protect(password, structure) { book.structure = Boolean(structure); book.log.push('protect structure'); },
    Unprotect() { book.structure = false; book.log.push('unprotect structure'); }
  }, 'EtWorkbook');
  return book;
}

function quote(name) {
  return /^[\w.]+$/.test(name) ? name : `'${name.replace(/'/g, "''")}'`;
}

function makeApp(spec) {
  const state = { displayAlerts: true, screenUpdating: true, book: null };
  state.book = spec ? makeBook(spec, state) : null;
  const app = strict({
    get ActiveWorkbook() { return state.book ? state.book.wb : null; },
    get ActiveSheet() { return state.book ? worksheet(state.book.active) : null; },
    get Selection() { return worksheet(state.book.active).Range('A1'); },
    get ScreenUpdating() { return state.screenUpdating; },
    set ScreenUpdating(v) { state.screenUpdating = v; },
    get DisplayAlerts() { return state.displayAlerts; },
    set DisplayAlerts(v) { state.displayAlerts = v; }
  }, 'EtApplication');
  return { app, state };
}

function snapshot(book) {
  // what the book shows: per sheet, A1 -> value (non-empty) and A1 -> fill (BGR) of every cell with one
  return book.sheets.map((s) => {
    const values = {}, fills = {}, formulas = {};
    for (const [key, c] of s.cells) {
      const [r, k] = key.split(',').map(Number);
      if (c.value !== null && c.value !== '') values[toA1(r, k)] = c.value;
      if (c.formula !== null) formulas[toA1(r, k)] = c.formula;
      if (c.fill !== null) fills[toA1(r, k)] = c.fill;
    }
    return { name: s.name, values, fills, formulas, hidden: [...s.hidden].sort((a, b) => a - b),
      protected: s.protectedWith !== null };
  });
}

const api = { makeApp, snapshot, parseA1, used, NO_FILL };
if (typeof module === 'object' && module.exports) module.exports = api;
else globalThis.XxgkMockEt = api;
