// Under the admin's lock (the docs/examples policies, in real Chromium and Firefox): "Allow WebRTC on this site" is disabled and explained, and the managed exceptions are shown read-only in the popup and the options page.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CHROME_ID, GECKO_ID, selectedBrowsers, until } from '../harness/browsers.mjs';
import { openPopup } from '../harness/iceveil.mjs';
import {
  EXAMPLE_BASE_URL, chromiumPolicyHost, firefoxPolicyInstall, launchPolicyChromium, launchPolicyFirefox, loadExample,
} from '../harness/policy.mjs';
import { serve } from '../harness/server.mjs';

/** The browser with the example policy; `managed` is the exception list that policy gives IceVeil. */
async function launchLocked(name) {
  if (name === 'chromium') {
    const host = chromiumPolicyHost();
    const policy = loadExample('chromium-managed-policy.json');
    host.write('iceveil.json', policy);
    return { driver: await launchPolicyChromium(host), cleanup: () => host.cleanup(), managed: policy['3rdparty'].extensions[CHROME_ID].exceptions };
  }
  const p = loadExample('firefox-policies.json', { [EXAMPLE_BASE_URL]: 'http://127.0.0.1:9' });
  delete p.policies.ExtensionSettings;
  const install = firefoxPolicyInstall(p);
  return { driver: await launchPolicyFirefox(install), cleanup: () => install.cleanup(), managed: p.policies['3rdparty'].Extensions[GECKO_ID].exceptions };
}

for (const name of selectedBrowsers()) {
  describe(`${name}: the site exception under the admin's lock`, () => {
    let env;
    let site;
    before(async () => {
      site = await serve();
      env = await launchLocked(name);
      await until(async () => {
        await openPopup(env.driver);
        return env.driver.eval(() => !document.getElementById('locked-note').hidden);
      }, { what: 'the locked popup', timeoutMs: 20000, intervalMs: 500 });
    });
    after(async () => {
      await env?.driver.close();
      env?.cleanup();
      await site?.close();
    });

    test('the popup: "Allow WebRTC on this site" is disabled, says why, and lists the managed exceptions read-only', async () => {
      await env.driver.eval((url) => (globalThis.browser ?? globalThis.chrome).windows.create({ url }), `${site.origin}/gather.html`);
      const v = await until(async () => {
        await openPopup(env.driver);
        return env.driver.eval(() => {
          const s = document.getElementById('site');
          if (s.hidden || !document.getElementById('site-note').textContent) return null;
          return {
            allowDisabled: document.getElementById('site-allow').disabled,
            undoHidden: document.getElementById('site-undo').hidden,
            note: document.getElementById('site-note').textContent,
          };
        });
      }, { what: 'the site section', timeoutMs: 20000, intervalMs: 500 });
      assert.equal(v.allowDisabled, true);
      assert.equal(v.undoHidden, true);
      for (const p of env.managed) assert.ok(v.note.includes(p), `the managed exception ${p} is shown: ${v.note}`);
      assert.match(v.note, /Only your organization can change this list/);
      const refused = await env.driver.eval((o) => (globalThis.browser ?? globalThis.chrome).runtime.sendMessage({ type: 'exceptions.add', pattern: o }), site.origin);
      assert.match(refused?.error ?? '', /locked/, 'the background refuses too');
      const stored = await env.driver.eval(() => (globalThis.browser ?? globalThis.chrome).storage.local.get('exceptions'));
      assert.equal(stored.exceptions, undefined, 'nothing was stored');
    });

    test('the options page: the user list is disabled and the managed list is shown read-only', async () => {
      await env.driver.goto(`${env.driver.extensionOrigin}/options.html`);
      const v = await until(() => env.driver.eval(() => (document.body.dataset.ready === 'true' && !document.getElementById('managed-exc').hidden ? {
        input: document.getElementById('exc-input').disabled,
        add: document.getElementById('exc-add').disabled,
        managed: [...document.querySelectorAll('#managed-exc-list li')].map((li) => li.textContent),
        buttons: document.querySelectorAll('#managed-exc-list button').length,
      } : null)), { what: 'the options page' });
      assert.equal(v.input, true);
      assert.equal(v.add, true);
      assert.deepEqual(v.managed, env.managed);
      assert.equal(v.buttons, 0, 'read-only: no remove buttons');
    });
  });
}
