'use strict';
// The ET object model as the wps-jsapi typings (npm package, Kingsoft's own description of the JSAPI) declare
// it: interface name -> member name -> {kind: 'method'|'property', readonly, type}. Inherited members
// (`interface A extends B`) are merged in. Only what the mock needs: a plain line parser over the .d.ts files.
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', 'node_modules', 'wps-jsapi', 'src');
const FILES = { Et: 'lib.et.d.ts', Kso: 'lib.kso.d.ts' };

function parseFile(ns, text, out) {
  let current = null;
  let depth = 0;
  let inComment = false;
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (inComment) {
      if (line.includes('*/')) inComment = false;
      continue;
    }
    if (line.startsWith('/*')) {
      if (!line.includes('*/')) inComment = true;
      continue;
    }
    if (line.startsWith('//') || line.startsWith('*')) continue;
    const head = /^(?:export\s+)?interface\s+(\w+)(?:\s+extends\s+([\w.,\s]+?))?\s*\{(\s*\})?$/.exec(line);
    if (head && current === null) {
      const name = `${ns}.${head[1]}`;
      const bases = (head[2] || '').split(',').map((b) => b.trim()).filter(Boolean)
        .map((b) => (b.includes('.') ? b : `${ns}.${b}`));
      current = { name, bases, members: {} };
      out[name] = current;
      if (head[3]) current = null;
      else depth = 1;
      continue;
    }
    if (current === null) continue;
    depth += (line.match(/\{/g) || []).length - (line.match(/\}/g) || []).length;
    if (depth <= 0) {
      current = null;
      continue;
    }
    if (depth !== 1) continue;
    const member = /^(readonly\s+)?(\w+)(\??)\s*(\(|:)(.*)$/.exec(line);
    if (!member) continue;
    const [, ro, name, , sep, rest] = member;
    const type = sep === '(' ? (/\)\s*:\s*([^;]+);?$/.exec(rest) || [])[1] : rest.replace(/;$/, '').trim();
    current.members[name] = { kind: sep === '(' ? 'method' : 'property', readonly: Boolean(ro), type: (type || '').trim() };
  }
}

let cache = null;

function load() {
  if (cache) return cache;
  const raw = {};
  for (const [ns, file] of Object.entries(FILES)) {
    parseFile(ns, fs.readFileSync(path.join(ROOT, file), 'utf8'), raw);
  }
  const resolved = {};
  const resolve = (name) => {
    if (resolved[name]) return resolved[name];
    const entry = raw[name];
    if (!entry) throw new Error(`wps-jsapi typings declare no interface ${name}`);
    const members = {};
    for (const base of entry.bases) Object.assign(members, resolve(base));
    Object.assign(members, entry.members);
    resolved[name] = members;
    return members;
  };
  cache = { interfaces: Object.keys(raw), members: resolve };
  return cache;
}

module.exports = { load, ROOT };
