// Policy holes closed, end to end in the NAT lab: LAN probing through fabricated remote candidates, exceptions judged against the top-level site, and disable reaching pages that were already open.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { selectedBrowsers, until } from '../harness/browsers.mjs';
import { labInfo } from '../harness/lab.mjs';
import {
  closeTab, inTab, launch, leaked, LOCAL, openTab, rivalTakesLayer1, setExceptions, setMode,
} from '../harness/pagelayer.mjs';
import { serve } from '../harness/server.mjs';

const lab = labInfo();
const stun = lab ? [{ urls: lab.LAB_STUN_URL }] : [];
const V4 = LOCAL.find((a) => a.includes('.'));
// Eight guesses on the client's /24, the true address among them.
const GUESSES = V4 ? [1, 2, 3, 4, 5, 6, 7, 8].map((z) => V4.replace(/\.\d+$/, `.${z}`)) : [];
if (V4 && !GUESSES.includes(V4)) GUESSES[7] = V4;

/** Calls window[name](arg) in the frame of `origin` inside a tab (MAIN world); the result comes back as JSON. */
async function inFrame(driver, tabId, origin, name, arg) {
  const results = await driver.eval(([id, o, n, a]) => (globalThis.browser ?? globalThis.chrome).scripting.executeScript({
    target: { tabId: id, allFrames: true },
    world: 'MAIN',
    func: (want, fn, x) => (location.origin !== want || typeof window[fn] !== 'function' ? null
      : Promise.resolve().then(() => window[fn](x)).then((r) => JSON.stringify({ r }), (e) => JSON.stringify({ thrown: String(e) }))),
    args: [o, n, a],
  }).then((rs) => rs.map((r) => r.result).filter((r) => typeof r === 'string')), [tabId, origin, name, arg ?? null]);
  assert.equal(results.length, 1, `one frame of ${origin} answers ${name}: ${JSON.stringify(results)}`);
  const out = JSON.parse(results[0]);
  if ('thrown' in out) throw new Error(`${name} in the ${origin} frame: ${out.thrown}`);
  return out.r;
}

for (const name of selectedBrowsers()) {
  describe(`${name}: a page cannot probe the LAN through remote candidates`, { skip: !lab && 'needs the NAT lab' }, () => {
    let site;
    before(async () => { site = await serve(); });
    after(async () => { await site?.close(); });

    test(`without IceVeil, the probe finds the local address among ${GUESSES.length} guesses (the test can fail)`, async () => {
      const driver = await launch(name, { iceveil: false });
      try {
        await driver.goto(`${site.origin}/probe/lan.html`);
        const r = await driver.eval((o) => window.probe(o), { guesses: GUESSES, iceServers: stun });
        assert.deepEqual(r.connected, [V4], `the probe learns the address: ${JSON.stringify(r)}`);
      } finally {
        await driver.close();
      }
    });

    describe('with IceVeil in hide-local, the browser setting applied', () => {
      let driver;
      before(async () => {
        driver = await launch(name, { iceveil: true });
        await setMode(driver, 'hide-local');
      });
      after(async () => { await driver?.close(); });

      test(`the probe learns nothing from ${GUESSES.length} guesses, the true one among them`, async () => {
        await driver.goto(`${site.origin}/probe/lan.html`);
        const r = await driver.eval((o) => window.probe(o), { guesses: GUESSES, iceServers: stun });
        assert.deepEqual(r.connected, [], `no guess connects: ${JSON.stringify(r)}`);
        assert.deepEqual(r.errors, [], 'the page sees no error either: refused candidates are simply never tried');
      });

      test('a call to a peer on a private address connects where that site is excepted, and not elsewhere', async () => {
        const other = await serve();
        try {
          await setExceptions(driver, [site.origin]);
          await driver.goto(`${site.origin}/probe/lan.html`);
          assert.equal(await driver.eval((o) => window.privateCall(o), { address: V4, iceServers: stun }), true, 'the excepted site reaches its private peer');
          await driver.goto(`${other.origin}/probe/lan.html`);
          assert.equal(await driver.eval((o) => window.privateCall(o), { address: V4, iceServers: stun }), false, 'another site does not');
        } finally {
          await setExceptions(driver, []);
          await other.close();
        }
      });
    });
  });

  describe(`${name}: exceptions follow the site the user sees`, () => {
    let driver;
    let excepted;
    let top;
    before(async () => {
      excepted = await serve();
      top = await serve({ routes: { '/embed.html': () => `<!doctype html><title>embed</title><iframe src="${excepted.origin}/leak/onicecandidate.html"></iframe>` } });
      driver = await launch(name);
      await setMode(driver, 'hide-local');
      await rivalTakesLayer1(driver); // raw candidates reach a page wherever the page layer stands aside
      await setExceptions(driver, [excepted.origin]);
    });
    after(async () => {
      await driver?.close();
      await excepted?.close();
      await top?.close();
    });

    test('an excepted site inside a non-excepted top site gets no raw candidate', async () => {
      const tab = await openTab(driver, `${top.origin}/embed.html`);
      try {
        const r = await inFrame(driver, tab, excepted.origin, 'leak', { iceServers: stun, timeoutMs: 4000 });
        assert.notEqual(r.available, false);
        assert.deepEqual(leaked(r), [], `the embedded excepted site stays filtered: ${JSON.stringify(r).slice(0, 800)}`);
        if (lab) assert.ok(r.candidates.some((c) => c.address === lab.LAB_PUBLIC_IP), 'its public srflx still passes');
      } finally {
        await closeTab(driver, tab).catch(() => {});
      }
    });

    test('the excepted site itself, at top level, gets what the browser gives', async () => {
      const tab = await openTab(driver, `${excepted.origin}/leak/onicecandidate.html`);
      try {
        const r = await inTab(driver, tab, 'leak', { iceServers: stun, timeoutMs: 4000 });
        assert.ok(leaked(r).length > 0, `raw candidates at the excepted top site: ${JSON.stringify(r.candidates)}`);
      } finally {
        await closeTab(driver, tab).catch(() => {});
      }
    });
  });

  describe(`${name}: disable reaches pages that are already open`, () => {
    let driver;
    let site;
    before(async () => {
      site = await serve();
      driver = await launch(name);
      await setMode(driver, 'hide-local');
    });
    after(async () => {
      await driver?.close();
      await site?.close();
    });

    test('a page opened before the switch to disable can no longer gather, and gathers again after switching back', async () => {
      const tab = await openTab(driver, `${site.origin}/leak/onicecandidate.html`);
      const gather = () => inTab(driver, tab, 'leak', { iceServers: stun, timeoutMs: 4000 }).then((r) => ({ r }), (e) => ({ thrown: e.message }));
      try {
        const first = await gather();
        assert.ok(first.r, JSON.stringify(first));
        if (lab) assert.ok(first.r.candidates.some((c) => c.address === lab.LAB_PUBLIC_IP), `hide-local gathers the srflx: ${JSON.stringify(first.r.candidates)}`);
        await setMode(driver, 'disable');
        const off = await until(async () => {
          const g = await gather();
          return g.thrown || g.r.candidates.length === 0 ? g : null;
        }, { what: 'disable reaches the open page', timeoutMs: 10000 });
        assert.match(String(off.thrown), /NotSupportedError|disabled/i, `the open page can no longer make a connection: ${JSON.stringify(off).slice(0, 400)}`);
        await setMode(driver, 'hide-local');
        const back = await until(async () => {
          const g = await gather();
          return g.r && (!lab || g.r.candidates.some((c) => c.address === lab.LAB_PUBLIC_IP)) ? g : null;
        }, { what: 'hide-local reaches the open page again', timeoutMs: 10000 });
        assert.deepEqual(leaked(back.r), []);
      } finally {
        await setMode(driver, 'hide-local');
        await closeTab(driver, tab).catch(() => {});
      }
    });
  });
}
