// Shared set-up for the page-layer suites (page-layer, hostile-realm): IceVeil plus the rival extension that takes layer 1, tabs opened from the popup, page calls, site exceptions, and the hidden-address check.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BROWSERS, DIST_CHROME, FIREFOX_UUID, GECKO_ID, ROOT, chromeIdFromKey, until } from './browsers.mjs';
import { browserSetting, localAddresses, openPopup } from './iceveil.mjs';

export const RIVAL = join(ROOT, 'tests/fixtures/rival-extension');
export const RIVAL_MANIFEST = JSON.parse(readFileSync(join(RIVAL, 'manifest.json'), 'utf8'));
export const RIVAL_UUID = '0f0f0f0f-1111-4222-8333-444444444444';

/** The addresses of this network namespace that a page must never read (10.77.0.2 and fd77::2 in the lab). */
export const LOCAL = localAddresses();

/** The local addresses of this namespace that appear anywhere in `value` (candidates, SDP, stats, events). */
export function leaked(value) {
  const text = JSON.stringify(value);
  return LOCAL.filter((a) => new RegExp(`(^|[^0-9a-f:.])${a.replace(/[.]/g, '\\.')}($|[^0-9a-f:.])`, 'i').test(text));
}

export const FIREFOX_PREFS = {
  'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: FIREFOX_UUID, [RIVAL_MANIFEST.browser_specific_settings.gecko.id]: RIVAL_UUID }),
  'dom.disable_open_during_load': false,
};

/** The browser with IceVeil (the build under test: ./dist or IVL_DIST) and the rival extension, or with neither. */
export async function launch(name, { iceveil = true } = {}) {
  if (name === 'chromium') {
    return BROWSERS.chromium({ extensions: iceveil ? [DIST_CHROME, RIVAL] : [] });
  }
  const driver = await BROWSERS.firefox({ extensions: iceveil ? undefined : [], prefs: FIREFOX_PREFS });
  if (iceveil) await driver.installAddon(RIVAL);
  return driver;
}

/** Stores IceVeil's mode the way the popup does, then waits until the background has applied it. */
export async function setMode(driver, mode) {
  await openPopup(driver);
  await driver.eval((m) => (globalThis.browser ?? globalThis.chrome).storage.local.set({ mode: m, ...(m === 'off' ? {} : { lastOnMode: m }) }), mode);
  await until(() => driver.eval((m) => (globalThis.browser ?? globalThis.chrome).runtime.sendMessage({ type: 'state' })
    .then((s) => s.mode === m), mode), { what: `mode ${mode} applied` });
}

/** Layer 1 lost to another extension: the browser policy is back to `default`. */
export async function rivalTakesLayer1(driver) {
  const origin = driver.name === 'chromium' ? `chrome-extension://${chromeIdFromKey(RIVAL_MANIFEST.key)}` : `moz-extension://${RIVAL_UUID}`;
  await driver.goto(`${origin}/rival.html`);
  await driver.eval(() => window.takeSetting('default'));
  await openPopup(driver);
  const s = await browserSetting(driver);
  assert.equal(s.value, 'default', 'the rival holds layer 1 at default');
  assert.equal(s.levelOfControl, 'controlled_by_other_extensions');
}

/** Opens `url` in a new window from IceVeil's popup page (which stays in the driver's tab) and returns its tab id once loaded. */
export async function openTab(driver, url) {
  await openPopup(driver);
  const tabId = await driver.eval((u) => (globalThis.browser ?? globalThis.chrome).windows.create({ url: u }).then((w) => w.tabs[0].id), url);
  await until(() => driver.eval((id) => (globalThis.browser ?? globalThis.chrome).tabs.get(id).then((t) => t.status === 'complete'), tabId), { what: `${url} loaded` });
  return tabId;
}

/**
 * Calls the page function window[name](arg) in that tab's own page script (MAIN world); the result comes back
 * as JSON. If the page function throws, this throws with the page's message.
 */
export async function inTab(driver, tabId, name, arg) {
  const out = await driver.eval(([id, n, a]) => (globalThis.browser ?? globalThis.chrome).scripting.executeScript({
    target: { tabId: id },
    world: 'MAIN',
    func: (fn, x) => Promise.resolve().then(() => window[fn](x))
      .then((r) => JSON.stringify({ r }), (e) => JSON.stringify({ thrown: e && e.name ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e) })),
    args: [n, a],
  }).then((r) => JSON.parse(r[0].result)), [tabId, name, arg ?? null]);
  if (!out || 'thrown' in out) throw new Error(`${name} in the page: ${out ? out.thrown : 'no result'}`);
  return out.r;
}

export const closeTab = (driver, tabId) => driver.eval((id) => (globalThis.browser ?? globalThis.chrome).tabs.remove(id), tabId);

/** Stores the user's site exceptions the way the popup does, then waits until the background uses them. */
export async function setExceptions(driver, patterns) {
  await openPopup(driver);
  await driver.eval((p) => (globalThis.browser ?? globalThis.chrome).storage.local.set({ exceptions: p }), patterns);
  await until(() => driver.eval((p) => (globalThis.browser ?? globalThis.chrome).runtime.sendMessage({ type: 'state' })
    .then((st) => JSON.stringify(st.exceptions) === JSON.stringify(p)), patterns), { what: `exceptions ${patterns} applied` });
}
