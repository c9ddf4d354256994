'use strict';
// What the node tests share: the cases the pytest wrapper prepared (tests/web/test_wps_addin.py), the portal it
// started, an HTTP transport for the add-in's click (node's fetch in place of the page's XMLHttpRequest), and
// normalisations for comparing with the server's answer to the .xlam and with the annotated copy.
const fs = require('node:fs');
const path = require('node:path');
const { makeApp, snapshot } = require('./mock-et.js');

function env(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: these tests need a running portal and prepared books; run them through ` +
      'pytest tests/web/test_wps_addin.py (make test does)');
  }
  return value;
}

function loadCase(name) {
  const dir = env('XXGK_WPS_CASES');
  const read = (suffix) => JSON.parse(fs.readFileSync(path.join(dir, `${name}.${suffix}.json`), 'utf8'));
  return { book: read('book'), expected: read('expected') };
}

async function post(url, body, headers) {
  const r = await fetch(url, { method: 'POST', body, headers });
  return { status: r.status, text: await r.text() };
}

const STAMP = /\d{4}-\d{2}-\d{2} \d{2}:\d{2}/g;

function normalise(value) {
  // the click's time stamp (校验时间) differs between two clicks
  return JSON.parse(JSON.stringify(value).replace(STAMP, 'YYYY-MM-DD hh:mm'));
}

function trimGrid(grid) {
  // a values grid without trailing empty rows and columns (the used range may reach further than the data)
  const rows = grid.map((row) => row.slice());
  const empty = (v) => v === '' || v === null || v === undefined;
  while (rows.length && rows[rows.length - 1].every(empty)) rows.pop();
  const width = Math.max(0, ...rows.map((row) => {
    let n = row.length;
    while (n && empty(row[n - 1])) n--;
    return n;
  }));
  return rows.map((row) => {
    const out = row.slice(0, width);
    while (out.length < width) out.push('');
    return out;
  });
}

function comparablePayload(p) {
  const out = JSON.parse(JSON.stringify(p));
  out.sheets.forEach((s) => { s.values = trimGrid(s.values); });
  delete out.client;
  delete out.xxgk.client;
  out.names.sort((a, b) => (a.name < b.name ? -1 : 1));
  return out;
}

function collectingShow() {
  const shown = [];
  const show = (prompt) => shown.push(prompt);
  show.shown = shown;
  return show;
}

module.exports = { env, loadCase, post, normalise, trimGrid, comparablePayload, collectingShow, makeApp, snapshot };
