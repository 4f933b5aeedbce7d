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
