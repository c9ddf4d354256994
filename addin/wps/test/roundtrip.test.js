'use strict';
// The add-in's click on real template books, through a real `xxgk serve` (started by tests/web/test_wps_addin.py):
// the book read from the mock is the .xlam's payload; the portal answers it as it answers the .xlam; applied to
// the mock, the answer leaves the book as `xxgk validate --annotate` leaves its annotated copy (same findings,
// hints, marks); 清除标记 gives the book back; protection is restored; 上报 without a token is refused.
const test = require('node:test');
const assert = require('node:assert/strict');
const client = require('../js/xxgk-client.js');
const payload = require('../js/xxgk-payload.js');
const { env, loadCase, post, normalise, comparablePayload, collectingShow, makeApp, snapshot } = require('./support.js');

// the books tests/web/test_wps_addin.py prepared: template books (an error, a formula error, clean, a real date, a
// fix hint) and real published reports as typed (2021 and 2019 forms)
const CASES = require('node:fs').readdirSync(env('XXGK_WPS_CASES')).filter((f) => f.endsWith('.book.json'))
  .map((f) => f.replace(/\.book\.json$/, '')).sort();
const RESULT_SHEET = '校验结果';

function recordingPost(log) {
  return async (url, body, headers) => {
    const r = await post(url, body, headers);
    log.push({ url, body: JSON.parse(body), headers, status: r.status, actions: r.status === 200 ? JSON.parse(r.text).actions : null });
    return r;
  };
}

async function clickOn(app, button, log, extra) {
  const show = collectingShow();
  const outcome = await client.click(button, Object.assign({ app, server: env('XXGK_WPS_SERVER'), token: '',
    show, post: recordingPost(log) }, extra || {}));
  return { outcome, shown: show.shown };
}

function sameResultFills(got, annotated) {
  // 校验结果: the annotated copy's fills, and (the portal's answer, for the .xlam as for WPS) the header's grey
  // also over the empty header cells above the extra link columns
  for (const [a1, fill] of Object.entries(annotated.fills)) assert.equal(got.fills[a1], fill, `fill of 校验结果!${a1}`);
  const header = Object.keys(annotated.fills).map((a1) => a1.replace(/^[A-Z]+/, ''));
  for (const a1 of Object.keys(got.fills).filter((k) => !(k in annotated.fills))) {
    assert.ok(header.includes(a1.replace(/^[A-Z]+/, '')) && !(a1 in annotated.values), `extra fill on 校验结果!${a1}`);
  }
}

function linkTargets(formulas) {
  // =HYPERLINK("#'表'!C6","…") as the annotated copy's cell link (location '表'!C6)
  const out = {};
  for (const [a1, f] of Object.entries(formulas)) {
    const m = /^=HYPERLINK\("#((?:[^"]|"")*)",/.exec(f);
    out[a1] = m ? m[1].replace(/""/g, '"') : f;
  }
  return out;
}

function withoutStyleNumbers(values) {
  // the record block's 原样式号 column: the file writer's own style numbers (xlwings books leave it empty)
  const head = Object.keys(values).find((a1) => values[a1] === '原样式号');
  if (!head) return values;
  const col = head.replace(/\d+$/, ''), row = Number(head.replace(/^[A-Z]+/, ''));
  return Object.fromEntries(Object.entries(values).filter(([a1]) =>
    a1.replace(/\d+$/, '') !== col || Number(a1.replace(/^[A-Z]+/, '')) <= row));
}

function sheetOf(snap, name) {
  return snap.find((s) => s.name === name);
}

for (const name of CASES) {
  test(`${name}: the WPS payload is the .xlam's payload`, () => {
    const { book, expected } = loadCase(name);
    const { app } = makeApp(book);
    assert.deepEqual(comparablePayload(payload.build(app)), comparablePayload(expected.payload));
  });

  test(`${name}: 校验 gets the .xlam's answer and leaves the book as the annotated copy`, async () => {
    const { book, expected } = loadCase(name);
    const { app, state } = makeApp(book);
    const log = [];
    const { outcome, shown } = await clickOn(app, 'validate', log);
    assert.equal(outcome, 'done');
    assert.equal(log.length, 1);
    assert.deepEqual(normalise(log[0].actions), normalise(expected.validate));
    const alert = expected.validate.filter((a) => a.func === 'alert').map((a) => a.args[0]);
    assert.deepEqual(normalise(shown), normalise(alert));
    const after = snapshot(state.book);
    if (expected.annotated === null) {
      assert.match(JSON.stringify(log[0].body), /#DIV\/0!/);
      return;
    }
    const annotated = expected.annotated.sheets;
    assert.deepEqual(after.map((s) => s.name), annotated.map((s) => s.name));
    for (const sheet of annotated) {
      const got = sheetOf(after, sheet.name);
      const want = sheet.name === RESULT_SHEET ? withoutStyleNumbers(sheet.values) : sheet.values;
      assert.deepEqual(normalise(got.values), normalise(want), `values of ${sheet.name}`);
      if (sheet.name === RESULT_SHEET) {
        assert.deepEqual(linkTargets(got.formulas), sheet.links, 'the cell links of 校验结果');
        sameResultFills(got, sheet);
      } else {
        assert.deepEqual(got.fills, sheet.fills, `fills of ${sheet.name}`);
      }
    }
    assert.ok(after.filter((s) => s.name !== RESULT_SHEET).every((s) => s.protected), 'the template is protected again');
    if (name === 'hint') {
      const result = Object.values(sheetOf(after, RESULT_SHEET).values).join('\n');
      assert.match(result, /（七）总计·自然人）填 999，按各项之和应为 \d+；改为 \d+ 后 \d+ 条校验全部通过/);
    }
  });

  test(`${name}: 清除标记 after 校验 gives the book back`, async () => {
    const { book } = loadCase(name);
    const { app, state } = makeApp(book);
    const before = snapshot(state.book);
    const log = [];
    await clickOn(app, 'validate', log);
    const { outcome } = await clickOn(app, 'clear', log);
    assert.equal(outcome, 'done');
    const after = snapshot(state.book);
    assert.deepEqual(after.map((s) => s.name), before.map((s) => s.name));
    for (const sheet of before) {
      const got = sheetOf(after, sheet.name);
      assert.deepEqual(got.fills, sheet.fills, `fills of ${sheet.name}`);
      assert.deepEqual(got.values, sheet.values, `values of ${sheet.name}`);
      assert.equal(got.protected, sheet.protected);
    }
  });
}

test('a 说明 written in 校验结果 is kept by the next 校验', async () => {
  const { book } = loadCase('broken');
  const { app, state } = makeApp(book);
  const log = [];
  await clickOn(app, 'validate', log);
  const result = state.book.sheets.find((s) => s.name === RESULT_SHEET);
  const header = [...result.cells.entries()].find(([, c]) => c.value === '说明（可填写）');
  const [row, col] = header[0].split(',').map(Number);
  result.cell(row + 1, col).value = '已向上级说明';
  await clickOn(app, 'validate', log);
  const again = state.book.sheets.find((s) => s.name === RESULT_SHEET);
  assert.equal(again.cell(row + 1, col).value, '已向上级说明');
  assert.equal(state.book.sheets.filter((s) => s.name === RESULT_SHEET).length, 1);
});

test('the cases cover the template books and real reports of both forms', () => {
  assert.deepEqual(CASES, ['beilun2019', 'broken', 'clean', 'cverr', 'dated', 'hint', 'huaian2024']);
});

test('上报 with the unit\'s token stores a new version and shows the verdict and the marks', async () => {
  const { book } = loadCase('broken');
  const { token, unit } = JSON.parse(require('node:fs').readFileSync(
    require('node:path').join(env('XXGK_WPS_CASES'), 'token.json'), 'utf8'));
  const { app, state } = makeApp(book);
  const log = [];
  const first = await clickOn(app, 'submit', log, { token });
  assert.equal(first.outcome, 'done');
  assert.equal(log[0].status, 200);
  assert.match(first.shown[0], new RegExp(`^已上报：${unit} \\d{4} 年度第 (\\d+) 版，状态：`));
  assert.ok(state.book.sheets.some((s) => s.name === RESULT_SHEET), 'the marks of 校验 come with the verdict');
  const again = await clickOn(app, 'submit', log, { token });
  const version = (text) => Number(/第 (\d+) 版/.exec(text)[1]);
  assert.equal(version(again.shown[0]), version(first.shown[0]) + 1);
});

test('上报 without a token is refused before anything is sent; with a bad token the portal says why', async () => {
  const { book } = loadCase('clean');
  const { app } = makeApp(book);
  const log = [];
  let r = await clickOn(app, 'submit', log);
  assert.equal(r.outcome, 'refused');
  assert.equal(log.length, 0);
  assert.match(r.shown[0], /没有配置本单位的上报令牌/);
  r = await clickOn(app, 'submit', log, { token: 'xxgk_' + 'x'.repeat(43) });
  assert.equal(r.outcome, 'failed');
  assert.equal(log[0].status, 401);
  assert.equal(log[0].headers.Authorization, 'Bearer xxgk_' + 'x'.repeat(43));
  assert.match(r.shown[0], /令牌无效或已停用/);
});

test('no open book, no portal address, an unreachable portal: Chinese messages, nothing changed', async () => {
  const none = makeApp(null);
  let r = await clickOn(none.app, 'validate', []);
  assert.equal(r.outcome, 'refused');
  assert.match(r.shown[0], /没有可用的工作簿/);
  const { app, state } = makeApp(loadCase('broken').book);
  const before = JSON.stringify(snapshot(state.book));
  r = await clickOn(app, 'validate', [], { server: '' });
  assert.match(r.shown[0], /不知道报送平台的地址/);
  r = await clickOn(app, 'validate', [], { server: 'http://127.0.0.1:9' });
  assert.equal(r.outcome, 'failed');
  assert.match(r.shown[0], /连接不上报送平台：http:\/\/127\.0\.0\.1:9/);
  assert.equal(JSON.stringify(snapshot(state.book)), before);
});
