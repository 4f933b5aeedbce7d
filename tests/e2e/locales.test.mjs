// Locale completeness (no browser needed): every shipped locale has every key with the same placeholders, every key the extension uses and every message id the core produces exists, and the pages hold no text of their own.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../harness/browsers.mjs';

const LOCALES = join(ROOT, 'extension/_locales');
const REQUIRED = ['en', 'de', 'fr', 'es', 'ru', 'zh_CN'];
const read = (loc) => JSON.parse(readFileSync(join(LOCALES, loc, 'messages.json'), 'utf8'));
const shipped = readdirSync(LOCALES);
const en = read('en');
const named = (text) => [...text.matchAll(/\$([A-Za-z0-9_@]+)\$/g)].map((m) => m[1].toLowerCase()).sort();

/** Every file of the extension whose text the user may see, or that names message keys. */
function sources() {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== '_locales' && e.name !== 'page') walk(p);
      } else if (/\.(js|html)$/.test(e.name)) out.push(p);
    }
  };
  walk(join(ROOT, 'extension'));
  return out;
}

test('the six required locales ship', () => {
  for (const loc of REQUIRED) assert.ok(shipped.includes(loc), `missing locale ${loc}`);
});

for (const loc of shipped) {
  test(`${loc}: the same keys as en, each with the same placeholders`, () => {
    const msgs = read(loc);
    assert.deepEqual(Object.keys(msgs).sort(), Object.keys(en).sort(), `${loc} keys`);
    for (const [key, entry] of Object.entries(msgs)) {
      assert.equal(typeof entry.message, 'string', `${loc}.${key}`);
      assert.ok(entry.message.trim(), `${loc}.${key} is empty`);
      const declared = Object.keys(entry.placeholders ?? {}).sort();
      assert.deepEqual(named(entry.message), [...new Set(named(entry.message))], `${loc}.${key} names a placeholder twice`);
      assert.deepEqual(named(entry.message), declared, `${loc}.${key}: the message's $NAMES$ are its declared placeholders`);
      assert.deepEqual(declared, Object.keys(en[key].placeholders ?? {}).sort(), `${loc}.${key}: the placeholders of en`);
      for (const p of declared) assert.equal(entry.placeholders[p].content, en[key].placeholders[p].content, `${loc}.${key}.${p} maps to the same argument`);
    }
  });
}

test('every key the extension names exists in en', () => {
  const missing = [];
  for (const file of sources()) {
    const text = readFileSync(file, 'utf8');
    const keys = [
      ...[...text.matchAll(/data-i18n(?:-placeholder)?="([^"]+)"/g)].map((m) => m[1]),
      ...[...text.matchAll(/\bmessage\(\s*'([A-Za-z0-9_]+)'/g)].map((m) => m[1]),
      ...[...text.matchAll(/'(\w+(?:Key|Name|Desc)?)'/g)].map((m) => m[1]).filter((k) => /^(controller|mode|kind|state|warn|site|private)[A-Z]/.test(k)),
    ];
    for (const k of keys) if (!en[k]) missing.push(`${file.slice(ROOT.length + 1)}: ${k}`);
  }
  const manifest = readFileSync(join(ROOT, 'manifest.json'), 'utf8');
  for (const m of manifest.matchAll(/__MSG_(\w+)__/g)) if (!en[m[1]]) missing.push(`manifest.json: ${m[1]}`);
  assert.deepEqual(missing, []);
});

test('every summary, exposure and address class the core reports has its words', () => {
  const rust = (file) => readFileSync(join(ROOT, 'src', file), 'utf8');
  const variants = (src, name) => {
    const body = src.match(new RegExp(`pub enum ${name} \\{([^}]*)\\}`))[1];
    return [...body.matchAll(/^\s*([A-Z][A-Za-z0-9]*)\s*,/gm)].map((m) => m[1].replace(/(?<!^)([A-Z0-9])/g, '_$1').toLowerCase());
  };
  const missing = [];
  for (const v of variants(rust('selftest.rs'), 'Summary')) for (const k of [`verdict_${v}`, `verdictDetail_${v}`]) if (!en[k]) missing.push(k);
  for (const v of variants(rust('selftest.rs'), 'Exposure')) if (!en[`exposure_${v}`]) missing.push(`exposure_${v}`);
  for (const v of variants(rust('addr.rs'), 'AddrClass')) {
    if (!['unspecified', 'private', 'shared_cgnat', 'link_local', 'global'].includes(v) && !en[`class_${v}`]) missing.push(`class_${v}`);
  }
  for (const v of ['default', 'default_public_and_private_interfaces', 'default_public_interface_only', 'disable_non_proxied_udp', 'proxy_only']) {
    if (!en[`policy_${v}`]) missing.push(`policy_${v}`);
  }
  assert.deepEqual(missing, []);
});

test('every message the core can produce (src/msg.rs MESSAGES) has its words, with English as in the core', () => {
  const src = readFileSync(join(ROOT, 'src/msg.rs'), 'utf8');
  const table = src.slice(src.indexOf('pub const MESSAGES'), src.indexOf('\n];', src.indexOf('pub const MESSAGES')));
  const rust = new Map([...table.matchAll(/\("(core_\w+)", "((?:[^"\\]|\\.)*)"\)/g)].map((m) => [m[1], JSON.parse(`"${m[2]}"`)]));
  assert.ok(rust.size > 40, `read ${rust.size} ids from src/msg.rs`);
  const problems = [];
  for (const [id, english] of rust) {
    const entry = en[id];
    if (!entry) {
      problems.push(`${id}: missing in en`);
      continue;
    }
    // en's wording with each $NAME$ turned back into its $n is the core's English, so the fallback and the locale agree.
    const back = entry.message.replace(/\$([A-Za-z0-9_]+)\$/g, (_, n) => entry.placeholders?.[n.toLowerCase()]?.content ?? `?${n}`);
    if (back !== english) problems.push(`${id}: en says ${JSON.stringify(back)}, the core ${JSON.stringify(english)}`);
  }
  for (const key of Object.keys(en)) if (key.startsWith('core_') && !rust.has(key)) problems.push(`${key}: in en, but the core has no such id`);
  assert.deepEqual(problems, []);
});

test('the extension pages hold no words of their own: every visible text comes from _locales', () => {
  const found = [];
  for (const file of sources().filter((f) => f.endsWith('.html'))) {
    const html = readFileSync(file, 'utf8').replace(/<!--[\s\S]*?-->/g, '').replace(/<(script|style)[\s\S]*?<\/\1>/g, '');
    for (const m of html.matchAll(/>([^<]+)</g)) if (m[1].trim()) found.push(`${file.slice(ROOT.length + 1)}: "${m[1].trim()}"`);
    for (const m of html.matchAll(/\s(?:alt|title|placeholder|aria-label)="([^"]+)"/g)) found.push(`${file.slice(ROOT.length + 1)}: attribute "${m[1]}"`);
  }
  assert.deepEqual(found, []);
});
