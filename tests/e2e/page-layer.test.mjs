// Layer 2 end to end: with layer 1 taken by a rival extension, IceVeil's page wrapper alone must keep every leak page from reading a hidden address, while real calls still connect.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BROWSERS, FIREFOX_UUID, GECKO_ID, ROOT, chromeIdFromKey, selectedBrowsers, until } from '../harness/browsers.mjs';
import { browserSetting, localAddresses, openPopup } from '../harness/iceveil.mjs';
import { labInfo } from '../harness/lab.mjs';
import { serve } from '../harness/server.mjs';

const RIVAL = join(ROOT, 'tests/fixtures/rival-extension');
const RIVAL_MANIFEST = JSON.parse(readFileSync(join(RIVAL, 'manifest.json'), 'utf8'));
const RIVAL_UUID = '0f0f0f0f-1111-4222-8333-444444444444';
const PAGES = readdirSync(join(ROOT, 'tests/pages/leak')).filter((f) => f.endsWith('.html') && f !== 'call.html').map((f) => f.slice(0, -5));
// Pages whose technique does not exist in a browser (the page reports available:false there).
const NOT_IN = { firefox: ['webkit-alias'] };
// Pages that may show no address even without IceVeil (no leak to prove there): error events carry
// the local address only in some browsers.
const MAY_NOT_LEAK_RAW = ['ice-candidate-error'];

const LOCAL = localAddresses();
const lab = labInfo();
const stun = lab ? [{ urls: lab.LAB_STUN_URL }] : [];
const turn = lab ? [{ urls: lab.LAB_TURN_UDP_URL, username: lab.LAB_TURN_USER ?? 'iceveil', credential: lab.LAB_TURN_PASS ?? 'iceveil-lab' }] : [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The local addresses of this namespace that appear anywhere in `value` (candidates, SDP, stats, events). */
function leaked(value) {
  const text = JSON.stringify(value);
  return LOCAL.filter((a) => new RegExp(`(^|[^0-9a-f:.])${a.replace(/[.]/g, '\\.')}($|[^0-9a-f:.])`, 'i').test(text));
}

const FIREFOX_PREFS = {
  'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: FIREFOX_UUID, [RIVAL_MANIFEST.browser_specific_settings.gecko.id]: RIVAL_UUID }),
  'dom.disable_open_during_load': false,
};

async function launch(name, { iceveil = true } = {}) {
  if (name === 'chromium') {
    return BROWSERS.chromium({ extensions: iceveil ? [join(ROOT, 'dist/chrome'), RIVAL] : [] });
  }
  const driver = await BROWSERS.firefox({ extensions: iceveil ? undefined : [], prefs: FIREFOX_PREFS });
  if (iceveil) await driver.installAddon(RIVAL);
  return driver;
}

/** Stores IceVeil's mode the way the popup does, then waits until the background has applied it. */
async function setMode(driver, mode) {
  await openPopup(driver);
  await driver.eval((m) => (globalThis.browser ?? globalThis.chrome).storage.local.set({ mode: m, ...(m === 'off' ? {} : { lastOnMode: m }) }), mode);
  await until(() => driver.eval((m) => (globalThis.browser ?? globalThis.chrome).runtime.sendMessage({ type: 'state' })
    .then((s) => s.mode === m), mode), { what: `mode ${mode} applied` });
}

/** Layer 1 lost to another extension: the browser policy is back to `default`. */
async function rivalTakesLayer1(driver) {
  const origin = driver.name === 'chromium' ? `chrome-extension://${chromeIdFromKey(RIVAL_MANIFEST.key)}` : `moz-extension://${RIVAL_UUID}`;
  await driver.goto(`${origin}/rival.html`);
  await driver.eval(() => window.takeSetting('default'));
  await openPopup(driver);
  const s = await browserSetting(driver);
  assert.equal(s.value, 'default', 'the rival holds layer 1 at default');
  assert.equal(s.levelOfControl, 'controlled_by_other_extensions');
}

async function runLeakPage(driver, origin, page, opts = {}) {
  await driver.goto(`${origin}/leak/${page}.html`);
  return driver.eval((o) => window.leak(o), { iceServers: stun, timeoutMs: 4000, ...opts });
}

for (const name of selectedBrowsers()) {
  describe(`${name}: page layer alone against the leak pages`, () => {
    let driver;
    let site;
    before(async () => {
      site = await serve();
      driver = await launch(name);
      await setMode(driver, 'hide-local');
      await rivalTakesLayer1(driver);
    });
    after(async () => {
      await driver?.close();
      await site?.close();
    });

    for (const page of PAGES) {
      test(`hide-local: ${page} reads no local address`, async () => {
        const result = await runLeakPage(driver, site.origin, page);
        if (NOT_IN[name]?.includes(page)) return;
        assert.notEqual(result.available, false, `${page} ran (${JSON.stringify(result).slice(0, 200)})`);
        assert.deepEqual(leaked(result), [], `${page} leaked: ${JSON.stringify(result).slice(0, 1500)}`);
        if (page === 'onicecandidate') {
          assert.ok(!result.order.slice(0, -1).some((o) => o.startsWith('end')), `end-of-candidates comes last: ${result.order}`);
          assert.ok(!result.order.some((o) => o === 'cand:complete'), `no candidate after "complete": ${result.order}`);
          if (lab) {
            assert.ok(result.candidates.some((c) => c.address === lab.LAB_PUBLIC_IP), `the public srflx candidate passes: ${JSON.stringify(result.candidates)}`);
          }
        }
      });
    }

    test('the wrapper looks native', async () => {
      await driver.goto(`${site.origin}/leak/onicecandidate.html`);
      const view = await driver.eval(() => window.looksNative());
      assert.match(view.ctor, /^function RTCPeerConnection\(\) \{\s+\[native code\]\s+\}$/);
      assert.match(view.getter, /^function (get )?localDescription\(\) \{\s+\[native code\]\s+\}$/);
      assert.match(view.toStringOfToString, /^function toString\(\) \{\s+\[native code\]\s+\}$/);
      assert.equal(view.getterName, 'get localDescription');
      assert.equal(view.name, 'RTCPeerConnection');
      assert.ok(view.instance && view.protoCtor && view.noProtoOnMethod, JSON.stringify(view));
    });

    test('a real call connects in hide-local (TURN, no LAN route in the lab) and shows no local address', { skip: !lab && 'needs the lab TURN server' }, async () => {
      await driver.goto(`${site.origin}/leak/call.html`);
      const r = await driver.eval((o) => window.call(o), { iceServers: [...stun, ...turn] });
      assert.equal(r.message, 'hello over IceVeil', JSON.stringify(r));
      assert.deepEqual(leaked(r.seen), []);
    });

    test('a real call connects in proxy-only through the TURN relay', { skip: !lab && 'needs the lab TURN server' }, async () => {
      await setMode(driver, 'proxy-only');
      try {
        await driver.goto(`${site.origin}/leak/call.html`);
        const r = await driver.eval((o) => window.call(o), { iceServers: turn, iceTransportPolicy: 'relay' });
        assert.equal(r.message, 'hello over IceVeil', JSON.stringify(r));
        assert.deepEqual(leaked(r.seen), []);
        assert.ok(r.seen.every((c) => / typ relay/.test(c)), `only relay candidates: ${r.seen}`);
      } finally {
        await setMode(driver, 'hide-local');
      }
    });

    test('disable removes the constructors from pages and frames', async () => {
      await setMode(driver, 'disable');
      try {
        await driver.goto(`${site.origin}/leak/onicecandidate.html`);
        const r = await driver.eval(async () => {
          const f = document.createElement('iframe');
          f.setAttribute('sandbox', 'allow-same-origin');
          document.body.appendChild(f);
          return { top: typeof window.RTCPeerConnection, webkit: typeof window.webkitRTCPeerConnection, frame: typeof frames[0].RTCPeerConnection };
        });
        assert.deepEqual(r, { top: 'undefined', webkit: 'undefined', frame: 'undefined' });
      } finally {
        await setMode(driver, 'hide-local');
      }
    });

    test('fail closed: with the background stopped, nothing leaks; candidates come back after', { skip: name !== 'chromium' && 'stopping the background: Chromium CDP only' }, async () => {
      await driver.goto(`${site.origin}/leak/onicecandidate.html`);
      const cdp = await driver.context.newCDPSession(driver.page);
      await cdp.send('ServiceWorker.enable');
      await cdp.send('ServiceWorker.stopAllWorkers');
      const during = await driver.eval((o) => window.leak(o), { iceServers: stun, timeoutMs: 6000 });
      assert.deepEqual(leaked(during), [], `stopped background: ${JSON.stringify(during).slice(0, 800)}`);
      await sleep(500);
      const back = await driver.eval((o) => window.leak(o), { iceServers: stun, timeoutMs: 6000 });
      assert.deepEqual(leaked(back), []);
      if (lab) assert.ok(back.candidates.length > 0, 'candidates arrive again once the background is back');
    });
  });

  describe(`${name}: the same leak pages without IceVeil (the tests can fail)`, () => {
    let driver;
    let site;
    before(async () => {
      site = await serve();
      driver = await launch(name, { iceveil: false });
    });
    after(async () => {
      await driver?.close();
      await site?.close();
    });
    for (const page of PAGES) {
      if (MAY_NOT_LEAK_RAW.includes(page) || NOT_IN[name]?.includes(page)) continue;
      test(`raw: ${page} shows a local address`, async () => {
        const result = await runLeakPage(driver, site.origin, page);
        assert.ok(leaked(result).length > 0, `${page} should leak without IceVeil: ${JSON.stringify(result).slice(0, 600)}`);
      });
    }
  });
}
