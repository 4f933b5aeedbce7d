// Layer 1 end to end: the popup's real controls change the browser's WebRTC setting, and what a web page gathers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BROWSERS, DIST_CHROME, FIREFOX_UUID, GECKO_ID, ROOT, chromeIdFromKey, selectedBrowsers, until } from '../harness/browsers.mjs';
import {
  browserSetting, exposedAddresses, gatherOnPage, localAddresses, openPopup, pickMode, popupView,
} from '../harness/iceveil.mjs';
import { labIceServers, labInfo } from '../harness/lab.mjs';
import { serve } from '../harness/server.mjs';

const RIVAL = join(ROOT, 'tests/fixtures/rival-extension');
const RIVAL_MANIFEST = JSON.parse(readFileSync(join(RIVAL, 'manifest.json'), 'utf8'));
const RIVAL_UUID = '0f0f0f0f-1111-4222-8333-444444444444';

/** What each browser must report for each mode: its documented value, and Firefox's peerConnectionEnabled. */
const EXPECTED = {
  chromium: {
    'hide-local': { policy: 'default_public_interface_only' },
    'proxy-only': { policy: 'disable_non_proxied_udp' },
    disable: { policy: 'disable_non_proxied_udp' },
    off: { policy: 'default' },
  },
  firefox: {
    'hide-local': { policy: 'default_public_interface_only', peer: true },
    'proxy-only': { policy: 'proxy_only', peer: true },
    disable: { policy: 'proxy_only', peer: false },
    off: { policy: 'default', peer: true },
  },
};

const LOCAL = localAddresses();
const lab = labInfo();

for (const name of selectedBrowsers()) {
  describe(`${name}: modes from the popup`, () => {
    let driver;
    let site;
    before(async () => {
      site = await serve();
      driver = await BROWSERS[name]();
    });
    after(async () => {
      await driver?.close();
      await site?.close();
    });

    test('without protection the test page sees this machine\'s local addresses (the test can fail)', async () => {
      await openPopup(driver);
      await pickMode(driver, 'off');
      const result = await gatherOnPage(driver, site.origin, { iceServers: labIceServers() });
      const leaked = exposedAddresses(result).filter((a) => LOCAL.includes(a));
      assert.ok(LOCAL.length > 0, 'the namespace has a non-loopback address');
      assert.ok(leaked.length > 0, `expected a local address among ${JSON.stringify(exposedAddresses(result))} (local: ${LOCAL})`);
    });

    for (const mode of ['hide-local', 'proxy-only', 'disable', 'off']) {
      test(`picking ${mode} sets the browser's own setting and changes what pages gather`, async () => {
        await openPopup(driver);
        await pickMode(driver, mode);
        const want = EXPECTED[name][mode];
        const policy = await until(async () => {
          const s = await browserSetting(driver);
          return s.value === want.policy ? s : null;
        }, { what: `webRTCIPHandlingPolicy=${want.policy}` });
        if (mode === 'off') {
          assert.equal(policy.levelOfControl, 'controllable_by_this_extension', 'off releases control');
        } else {
          assert.equal(policy.levelOfControl, 'controlled_by_this_extension');
        }
        if ('peer' in want) {
          const peer = await browserSetting(driver, 'peerConnectionEnabled');
          assert.equal(peer.value, want.peer, 'peerConnectionEnabled');
          if (mode !== 'disable') assert.equal(peer.levelOfControl, 'controllable_by_this_extension');
        }
        const view = await popupView(driver);
        assert.equal(view.policyValue, want.policy, 'popup shows the effective value');
        assert.equal(view.controller, mode === 'off' ? 'browser' : 'iceveil');
        assert.equal(view.warning, null);
        assert.equal(view.switchOn, mode !== 'off');

        const result = await gatherOnPage(driver, site.origin, { iceServers: labIceServers(), timeoutMs: 5000 });
        const exposed = exposedAddresses(result);
        if (mode === 'off') {
          assert.ok(exposed.some((a) => LOCAL.includes(a)), `off restores the browser default: ${exposed}`);
          return;
        }
        assert.deepEqual(exposed.filter((a) => LOCAL.includes(a)), [], `${mode} hides local addresses`);
        if (mode === 'hide-local' && lab) {
          assert.ok(result.candidates.some((c) => c.type === 'srflx' && c.address === lab.LAB_PUBLIC_IP),
            `hide-local keeps the public (srflx) route: ${JSON.stringify(result.candidates)}`);
        }
        if (mode === 'proxy-only') {
          assert.deepEqual(result.candidates, [], 'no proxy configured: no candidates at all');
        }
        if (mode === 'disable') {
          if (name === 'firefox') assert.equal(result.available, false, 'RTCPeerConnection is gone');
          assert.deepEqual(result.candidates, []);
        }
      });
    }

    test('the mode can be picked by keyboard', async () => {
      await openPopup(driver);
      await pickMode(driver, 'hide-local');
      await driver.eval(() => document.querySelector('input[name=mode]:checked').focus());
      await driver.press('ArrowDown');
      await until(() => driver.eval(() => document.body.dataset.mode === 'proxy-only'), { what: 'arrow key to pick proxy-only' });
      await until(async () => (await browserSetting(driver)).value === EXPECTED[name]['proxy-only'].policy,
        { what: 'keyboard choice applied' });
      await pickMode(driver, 'hide-local');
    });

    test('a corrupt stored setting falls back to hide-local with a visible note', async () => {
      await openPopup(driver);
      await driver.eval(() => (globalThis.browser ?? globalThis.chrome).storage.local.set({ mode: 'warp-speed' }));
      await openPopup(driver);
      const view = await until(async () => {
        const v = await popupView(driver);
        return v.userIssues ? v : null;
      }, { what: 'the corrupt-setting note' });
      assert.match(view.userIssues, /warp-speed/);
      assert.equal(view.mode, 'hide-local');
      assert.equal(view.checkedMode, 'hide-local');
      const policy = await until(async () => {
        const s = await browserSetting(driver);
        return s.value === 'default_public_interface_only' ? s : null;
      }, { what: 'fallback policy' });
      assert.equal(policy.levelOfControl, 'controlled_by_this_extension');
      await pickMode(driver, 'proxy-only');
      assert.equal((await popupView(driver)).userIssues, null, 'picking a mode replaces the bad value');
      await pickMode(driver, 'hide-local');
    });
  });
}

describe('another extension takes the setting', () => {
  for (const name of selectedBrowsers()) {
    test(`${name}: IceVeil re-applies its mode or the popup says it lost control, matching the browser`, async () => {
      const driver = name === 'chromium'
        ? await BROWSERS.chromium({ extensions: [DIST_CHROME, RIVAL] })
        : await BROWSERS.firefox({ prefs: { 'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: FIREFOX_UUID, [RIVAL_MANIFEST.browser_specific_settings.gecko.id]: RIVAL_UUID }) } });
      try {
        if (name === 'firefox') await driver.installAddon(RIVAL);
        await openPopup(driver);
        await pickMode(driver, 'hide-local');
        const rivalOrigin = name === 'chromium' ? `chrome-extension://${chromeIdFromKey(RIVAL_MANIFEST.key)}` : `moz-extension://${RIVAL_UUID}`;
        await driver.goto(`${rivalOrigin}/rival.html`);
        const taken = await driver.eval(() => window.takeSetting('default_public_and_private_interfaces'));
        await openPopup(driver);
        const truth = await until(async () => {
          const s = await browserSetting(driver);
          const v = await popupView(driver);
          return v.policyValue === s.value ? { s, v } : null;
        }, { what: 'popup to match the browser' });
        if (truth.s.levelOfControl === 'controlled_by_this_extension') {
          assert.equal(truth.s.value, 'default_public_interface_only', 'IceVeil re-applied its mode');
          assert.equal(truth.v.controller, 'iceveil');
        } else {
          assert.equal(taken.levelOfControl, 'controlled_by_this_extension', 'the rival really took the setting');
          assert.equal(truth.s.levelOfControl, 'controlled_by_other_extensions');
          assert.equal(truth.s.value, 'default_public_and_private_interfaces');
          assert.equal(truth.v.controller, 'other-extension');
          assert.match(truth.v.warning ?? '', /Another extension controls this setting/);
        }
      } finally {
        await driver.close();
      }
    });
  }
});
