// The popup's leak self-test, driven through its real controls inside the NAT lab and checked against the lab's ground truth.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BROWSERS, ROOT, selectedBrowsers, until } from '../harness/browsers.mjs';
import { openPopup, pickMode, runSelfTest, setIceServers } from '../harness/iceveil.mjs';
import { labInfo } from '../harness/lab.mjs';
import { serve } from '../harness/server.mjs';

const lab = labInfo();
const SHOTS = join(ROOT, 'docs/screenshots');

const privateAddrs = () => [lab.LAB_CLIENT_IP, lab.LAB_CLIENT_IP6];
const mentionsPrivate = (rows) => rows.filter((r) => privateAddrs().some((a) => r.address.includes(a)));

for (const name of selectedBrowsers()) {
  describe(`${name}: leak self-test in the NAT lab`, { skip: !lab && 'needs the NAT lab (run as root through tests/lab/with-lab.sh)' }, () => {
    let driver;
    let site;
    before(async () => {
      site = await serve();
      driver = await BROWSERS[name]();
      await openPopup(driver);
      // The "current site": a web page in its own window, active there, as when the toolbar popup opens.
      await driver.eval((url) => (globalThis.browser ?? globalThis.chrome).windows.create({ url }), `${site.origin}/gather.html`);
      await setIceServers(driver, [lab.LAB_STUN_URL]);
    });
    after(async () => {
      await driver?.close();
      await site?.close();
    });

    test('off, raw local addresses exposed: the private address is reported as a leak and srflx is the router', async () => {
      await pickMode(driver, 'off');
      const r = await runSelfTest(driver);
      assert.equal(r.browserSummary, 'local-leak', r.summaryText);
      assert.equal(r.progressVisible, false, 'the progress indicator is gone once the report shows');
      const leak = mentionsPrivate(r.browser);
      assert.ok(leak.length > 0, `the private address appears: ${JSON.stringify(r.browser)}`);
      assert.ok(leak.every((row) => row.exposure === 'local-leak'));
      const srflx = r.browser.filter((row) => row.type === 'srflx');
      assert.ok(srflx.length > 0, 'a srflx candidate was gathered');
      assert.ok(srflx.every((row) => row.address.startsWith(lab.LAB_PUBLIC_IP)), `srflx = router public ${lab.LAB_PUBLIC_IP}`);
      assert.equal(r.summary, 'local-leak');
    });

    test('hide-local: no private address in either layer; the public srflx is shown without crying wolf', async () => {
      await pickMode(driver, 'hide-local');
      const r = await runSelfTest(driver);
      assert.deepEqual(mentionsPrivate(r.browser), []);
      assert.deepEqual(mentionsPrivate(r.site), []);
      const srflx = r.browser.filter((row) => row.type === 'srflx');
      assert.ok(srflx.some((row) => row.address.split(' ')[0] === lab.LAB_PUBLIC_IP && row.exposure === 'public'), JSON.stringify(r.browser));
      assert.equal(r.browserSummary, 'public-only', r.summaryText);
      assert.notEqual(r.siteSummary, 'local-leak', r.siteText);
      assert.match(r.summaryText, new RegExp(lab.LAB_PUBLIC_IP.replaceAll('.', '\\.')));
      assert.doesNotMatch(r.summaryText, /switch to Proxy only/, 'hide-local no longer recommends a mode that breaks calls');
    });

    test('proxy-only without a proxy: the report says WebRTC has no non-proxied route', async () => {
      await pickMode(driver, 'proxy-only');
      const r = await runSelfTest(driver);
      assert.deepEqual(r.browser, []);
      assert.equal(r.browserSummary, 'no-route', r.summaryText);
    });

    test('disable: the report says WebRTC is unavailable to pages', async () => {
      await pickMode(driver, 'disable');
      const r = await runSelfTest(driver);
      assert.equal(r.browserSummary, 'webrtc-unavailable', r.summaryText);
      assert.deepEqual(r.browser, []);
    });

    // The active tab is a browser page: the layer-1 result must still be what websites get (measured in the
    // open website tab), never the extension page's (Chromium does not apply its setting there).
    // Firefox lets no extension open its privileged about: pages; a window without a URL opens its new-tab page.
    const BROWSER_PAGES = name === 'chromium' ? ['chrome://newtab/', 'about:blank', 'chrome://extensions/'] : [null, 'about:blank'];
    for (const page of BROWSER_PAGES) {
      test(`active tab ${page ?? 'a new tab'}: hide-local reports what websites get (no local address, not "leaking"), off reports the real leak`, async () => {
        const win = await driver.eval((url) => (globalThis.browser ?? globalThis.chrome).windows.create(url ? { url } : {}).then((w) => w.id), page);
        try {
          // The new window's tab is the one the popup means (the browser marks it last accessed).
          await until(() => driver.eval(() => (globalThis.browser ?? globalThis.chrome).runtime.sendMessage({ type: 'site.info' })
            .then((i) => i.origin === null)), { what: 'the browser page to be the active tab' });
          await pickMode(driver, 'hide-local');
          let r = await runSelfTest(driver);
          assert.notEqual(r.summary, 'local-leak', r.summaryText);
          assert.equal(r.browserSummary, 'public-only', r.summaryText);
          assert.deepEqual(mentionsPrivate(r.browser), []);
          assert.equal(r.siteSummary, 'site-unavailable', 'the browser page itself cannot be tested, and the popup says so');
          assert.match(r.summaryText, new RegExp(lab.LAB_PUBLIC_IP.replaceAll('.', '\\.')));
          await pickMode(driver, 'off');
          r = await runSelfTest(driver);
          assert.equal(r.browserSummary, 'local-leak', `off: the browser really exposes the local address to sites: ${r.summaryText}`);
          assert.ok(mentionsPrivate(r.browser).length > 0);
        } finally {
          await driver.eval((id) => (globalThis.browser ?? globalThis.chrome).windows.remove(id), win).catch(() => {});
          await pickMode(driver, 'hide-local');
        }
      });
    }

    test('no website tab open at all: Chromium says it cannot measure; Firefox measures in its own page, which gets the same setting', async () => {
      const ext = async (fn, arg) => driver.eval(fn, arg);
      const webTabs = await ext(() => (globalThis.browser ?? globalThis.chrome).tabs.query({}).then((ts) => ts.filter((t) => /^https?:/.test(t.url ?? '')).map((t) => t.id)));
      await ext((ids) => (globalThis.browser ?? globalThis.chrome).tabs.remove(ids), webTabs);
      const win = await ext((url) => (globalThis.browser ?? globalThis.chrome).windows.create({ url }).then((w) => w.id), 'about:blank');
      try {
        await pickMode(driver, 'hide-local');
        const r = await runSelfTest(driver);
        assert.notEqual(r.summary, 'local-leak', r.summaryText);
        if (name === 'chromium') {
          assert.equal(r.browserSummary, 'cannot-measure', r.summaryText);
          assert.equal(r.summary, 'cannot-measure');
          assert.deepEqual(r.browser, []);
        } else {
          assert.equal(r.browserSummary, 'public-only', r.summaryText);
          assert.deepEqual(mentionsPrivate(r.browser), []);
        }
      } finally {
        await ext((id) => (globalThis.browser ?? globalThis.chrome).windows.remove(id), win).catch(() => {});
        await ext((url) => (globalThis.browser ?? globalThis.chrome).windows.create({ url }), `${site.origin}/gather.html`);
      }
    });

    test('the verdict comes first, in plain words, and a mode change clears it', async () => {
      await pickMode(driver, 'hide-local');
      const r = await runSelfTest(driver);
      const layout = await driver.eval(() => {
        const top = (id) => document.getElementById(id).getBoundingClientRect().top;
        const texts = [...document.querySelectorAll('#verdict p, .layer-summary')].map((p) => p.textContent.trim()).filter(Boolean);
        return {
          verdictTop: top('verdict'), modesTop: top('modes'), detailsOpen: document.getElementById('selftest-result').open,
          focused: document.activeElement?.id, texts, width: Math.max(document.body.scrollWidth, ...[...document.body.querySelectorAll("*")].map((e) => e.getBoundingClientRect().right - document.body.getBoundingClientRect().left)),
        };
      });
      assert.ok(layout.verdictTop < layout.modesTop, `the verdict is above the modes: ${JSON.stringify(layout)}`);
      assert.equal(layout.detailsOpen, false, 'the details start collapsed');
      assert.equal(layout.focused, 'verdict', 'focus moves to the result');
      assert.equal(new Set(layout.texts).size, layout.texts.length, `no sentence repeats: ${JSON.stringify(layout.texts)}`);
      assert.ok(!/[a-z]+_[a-z]+_/.test(r.summaryText), `no raw ids in the verdict: ${r.summaryText}`);
      assert.ok(layout.width <= 360, `nothing overflows 360 px: ${layout.width}`);
      await pickMode(driver, 'proxy-only');
      assert.equal(await driver.eval(() => document.getElementById('verdict').hidden), true, 'a mode change clears the old result');
      const p = await runSelfTest(driver);
      assert.match(p.summaryText, /proxy or a TURN relay/, 'proxy-only says calls need a proxy or relay');
      await pickMode(driver, 'hide-local');
    });

    test('an unreachable STUN server ends within the timeout with its own message', async () => {
      await pickMode(driver, 'hide-local');
      await setIceServers(driver, ['stun:11.22.33.99:3478']);
      const r = await runSelfTest(driver);
      assert.equal(r.browserSummary, 'no-stun-answer', r.summaryText);
      await setIceServers(driver, [lab.LAB_STUN_URL]);
    });

    test('a bad ICE-server line gets a clear error and the saved servers stay', async () => {
      await driver.eval(() => {
        const box = document.getElementById('ice-servers');
        box.value = 'http://not-a-stun-server';
        box.dispatchEvent(new Event('input', { bubbles: true }));
      });
      await driver.click('#ice-servers-save');
      const error = await until(() => driver.eval(() => {
        const e = document.getElementById('action-error');
        return e.hidden ? null : e.textContent;
      }), { what: 'the error banner' });
      assert.match(error, /line 1: .*stun:, stuns:, turn: or turns:/);
      assert.equal(await driver.eval(() => document.getElementById('ice-servers').dataset.saved.trim()), lab.LAB_STUN_URL);
      assert.equal(await driver.eval(() => document.getElementById('ice-servers').value), 'http://not-a-stun-server', 'the typed text is kept to fix');
      await setIceServers(driver, [lab.LAB_STUN_URL]);
    });

    test('the report is shown in light and dark (screenshots for the README)', async () => {
      if (name !== 'chromium') return;
      await pickMode(driver, 'hide-local');
      await runSelfTest(driver);
      mkdirSync(SHOTS, { recursive: true });
      for (const scheme of ['light', 'dark']) {
        await driver.page.emulateMedia({ colorScheme: scheme });
        await driver.page.setViewportSize({ width: 400, height: 900 });
        const bg = await driver.eval(() => getComputedStyle(document.body).backgroundColor);
        assert.equal(bg, scheme === 'dark' ? 'rgb(28, 30, 36)' : 'rgb(255, 255, 255)', `${scheme} theme follows the system`);
        await driver.screenshot(join(SHOTS, `popup-selftest-${scheme}.png`));
      }
      await driver.page.emulateMedia({ colorScheme: null });
    });
  });
}

describe('proxy on, proxy-only: only relayed candidates, the non-proxied public address hidden', { skip: !lab && 'needs the NAT lab' }, () => {
  for (const name of selectedBrowsers()) {
    test(name, async () => {
      const driver = name === 'chromium'
        ? await BROWSERS.chromium({ args: [`--proxy-server=${lab.LAB_PROXY}`] })
        : await BROWSERS.firefox({
          prefs: {
            'network.proxy.type': 1,
            'network.proxy.http': lab.LAB_PROXY_HOST,
            'network.proxy.http_port': lab.LAB_PROXY_PORT,
            'network.proxy.ssl': lab.LAB_PROXY_HOST,
            'network.proxy.ssl_port': lab.LAB_PROXY_PORT,
            'network.proxy.allow_hijacking_localhost': false,
            'network.proxy.no_proxies_on': 'localhost, 127.0.0.1',
          },
        });
      const site = await serve();
      try {
        await openPopup(driver);
        await driver.eval((url) => (globalThis.browser ?? globalThis.chrome).windows.create({ url }), `${site.origin}/gather.html`);
        await setIceServers(driver, [lab.LAB_STUN_URL, `${lab.LAB_TURN_TCP_URL} ${lab.LAB_TURN_USER} ${lab.LAB_TURN_PASS}`]);
        await pickMode(driver, 'proxy-only');
        const r = await runSelfTest(driver);
        assert.ok(r.browser.every((row) => row.type === 'relay'), `only relay candidates: ${JSON.stringify(r.browser)}`);
        assert.deepEqual(mentionsPrivate(r.browser), []);
        assert.ok(!r.browser.some((row) => row.address.includes(lab.LAB_PUBLIC_IP)), 'no non-proxied public address');
        assert.ok(['relay-only', 'no-route'].includes(r.browserSummary), r.summaryText);
        if (r.browser.length) assert.equal(r.browserSummary, 'relay-only');
      } finally {
        await driver.close();
        await site.close();
      }
    });
  }
});
