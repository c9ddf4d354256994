'use strict';
// The add-in's shipped scripts are plain ES5 (plus Promise): WPS's embedded Chromium on older WPS builds and
// 信创 desktops is not always recent. No arrow functions, let/const, classes, template strings, spread, async.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const JS = path.join(__dirname, '..', 'js');

function code(text) {
  // the text without comments and string literals (a crude scanner: enough for our own files)
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const two = text.slice(i, i + 2);
    if (two === '/*') {
      i = text.indexOf('*/', i + 2) + 1;
    } else if (two === '//') {
      i = text.indexOf('\n', i) - 1;
      if (i < 0) break;
    } else if (text[i] === '"' || text[i] === "'") {
      const quote = text[i];
      for (i++; i < text.length && text[i] !== quote; i++) if (text[i] === '\\') i++;
      out += '""';
    } else {
      out += text[i];
    }
  }
  return out;
}

test('the shipped scripts are ES5', () => {
  const files = fs.readdirSync(JS).filter((f) => f.endsWith('.js'));
  assert.ok(files.length >= 8);
  for (const f of files) {
    const body = code(fs.readFileSync(path.join(JS, f), 'utf8'));
    for (const [what, re] of Object.entries({ arrow: /=>/, let: /\blet\s/, const: /\bconst\s/, template: /`/,
      class: /\bclass\s/, spread: /\.\.\./, async: /\basync\s|\bawait\s/ })) {
      assert.doesNotMatch(body, re, `${f} uses ${what}`);
    }
  }
});

test('index.html and help.html load only scripts that are shipped, and no inline script', () => {
  for (const page of ['index.html', 'help.html']) {
    const html = fs.readFileSync(path.join(__dirname, '..', page), 'utf8');
    const sources = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.ok(sources.length >= 5, page);
    for (const [, attrs, body] of sources) {
      assert.equal(body.trim(), '', `${page}: inline script`);
      const src = /src="([^"]+)"/.exec(attrs)[1];
      assert.ok(fs.existsSync(path.join(__dirname, '..', src)), `${page}: ${src}`);
    }
  }
});
