// Test helpers that act as the user does: open IceVeil's popup, click its controls, read what it shows.
import { execFileSync } from 'node:child_process';
import { until } from './browsers.mjs';

export const MODES = ['off', 'hide-local', 'proxy-only', 'disable'];

export async function openPopup(driver) {
  await driver.goto(`${driver.extensionOrigin}/popup.html`);
  await until(() => driver.eval(() => document.body.dataset.ready === 'true'), { what: 'popup ready' });
}

/** Picks `mode` with the popup's real controls: the switch for on/off, the radio buttons for modes. */
export async function pickMode(driver, mode) {
  const current = await driver.eval(() => document.body.dataset.mode);
  if (mode === 'off') {
    if (current !== 'off') await driver.click('#enabled');
  } else {
    await driver.click(`input[name=mode][value="${mode}"]`);
  }
  await until(() => driver.eval((m) => document.body.dataset.mode === m, mode), { what: `popup to show mode ${mode}` });
}

/** What the popup shows, as a user reads it. */
export async function popupView(driver) {
  return driver.eval(() => {
    const visible = (id) => !document.getElementById(id).hidden;
    return {
      mode: document.body.dataset.mode,
      switchOn: document.getElementById('enabled').checked,
      switchDisabled: document.getElementById('enabled').disabled,
      checkedMode: document.querySelector('input[name=mode]:checked')?.value ?? null,
      modesDisabled: document.getElementById('modes').disabled,
      policyValue: document.getElementById('policy-value').dataset.value, // the raw value; the text is its plain name
      controller: document.getElementById('controller').dataset.controller,
      controllerText: document.getElementById('controller').textContent,
      warning: visible('control-warning') ? document.getElementById('control-warning').textContent : null,
      userIssues: visible('user-issues') ? document.getElementById('user-issues').textContent : null,
      managedIssues: visible('managed-issues') ? document.getElementById('managed-issues').textContent : null,
      lockedNote: visible('locked-note'),
      peer: visible('peer-value') ? document.getElementById('peer-value').textContent : null,
    };
  });
}

/** The browser's own answer for the setting, asked from an extension page (not from IceVeil's state). */
export async function browserSetting(driver, name = 'webRTCIPHandlingPolicy') {
  return driver.eval((n) => {
    const ext = globalThis.browser ?? globalThis.chrome;
    return ext.privacy.network[n].get({}).then((d) => ({ value: d.value, levelOfControl: d.levelOfControl }));
  }, name);
}

/** Gathers candidates on an ordinary web page, as a leak-test site would. */
export async function gatherOnPage(driver, origin, opts = {}) {
  await driver.goto(`${origin}/gather.html`);
  return driver.eval((o) => window.gather(o), opts);
}

/** The non-loopback addresses of the network namespace the browsers run in: what must not leak. */
export function localAddresses() {
  const out = JSON.parse(execFileSync('ip', ['-j', 'addr'], { encoding: 'utf8' }));
  return out
    .filter((i) => !i.flags?.includes('LOOPBACK'))
    .flatMap((i) => (i.addr_info ?? []).map((a) => a.local))
    .filter((a) => a && !a.startsWith('fe80'));
}

/** Every address a gather result exposes: candidate addresses, related addresses, and SDP c= lines. */
export function exposedAddresses(result) {
  const found = new Set();
  for (const c of result.candidates) {
    const parts = c.candidate.replace(/^a=/, '').split(/\s+/);
    if (parts[4]) found.add(parts[4]);
    const r = parts.indexOf('raddr');
    if (r > 0 && parts[r + 1]) found.add(parts[r + 1]);
    if (c.address) found.add(c.address);
    if (c.relatedAddress) found.add(c.relatedAddress);
  }
  for (const line of (result.sdp ?? '').split(/\r?\n/)) {
    const m = line.match(/^(?:a=candidate:\S+ \d+ \S+ \d+ (\S+)|c=IN IP[46] (\S+))/);
    if (m) found.add(m[1] ?? m[2]);
    const ra = line.match(/ raddr (\S+)/);
    if (ra) found.add(ra[1]);
  }
  return [...found].filter(Boolean).map((a) => a.replace(/^\[(.*)\]$/, '$1'));
}

/** Types the servers into the popup's ICE-server box and saves them, as a user would. */
export async function setIceServers(driver, lines) {
  await driver.eval(() => { document.getElementById('ice-config').open = true; });
  await driver.eval((text) => {
    const box = document.getElementById('ice-servers');
    box.value = text;
    box.dispatchEvent(new Event('input', { bubbles: true }));
  }, lines.join('\n'));
  await driver.click('#ice-servers-save');
  // Saved means the background stored it: the popup shows the stored list it got back.
  await until(() => driver.eval((t) => document.getElementById('ice-servers').dataset.saved.trim() === t, lines.join('\n')),
    { what: 'the saved ICE servers' });
}

/** Clicks "Run leak test" and reads the report the popup shows. */
export async function runSelfTest(driver) {
  await driver.eval(() => { delete document.body.dataset.selftest; });
  await driver.click('#selftest-run');
  await until(() => driver.eval(() => document.getElementById('selftest-progress').hidden === false
    || document.body.dataset.selftest), { what: 'the progress indicator', timeoutMs: 5000 });
  await until(() => driver.eval(() => document.body.dataset.selftest), { what: 'the self-test to finish', timeoutMs: 30000 });
  return driver.eval(() => {
    const rows = (id) => [...document.querySelectorAll(`#${id} tr[data-kind]`)].map((tr) => {
      // The row's raw fields are in its data attributes; the cells hold their plain-word rendering.
      const address = [...tr.querySelectorAll('td')].find((c) => c.className === 'addr')?.textContent ?? tr.dataset.address;
      return { type: tr.dataset.typ, protocol: tr.dataset.protocol, address, kind: tr.dataset.kind, exposure: tr.dataset.exposure, text: tr.textContent };
    });
    return {
      done: document.body.dataset.selftest,
      progressVisible: getComputedStyle(document.getElementById('selftest-progress')).display !== 'none',
      summary: document.getElementById('selftest-summary').dataset.summary,
      summaryText: document.getElementById('verdict').textContent, // the headline and its one-sentence detail
      browserSummary: document.getElementById('selftest-browser-summary').dataset.summary,
      siteSummary: document.getElementById('selftest-site-summary').dataset.summary,
      siteText: document.getElementById('selftest-site-summary').textContent,
      browser: rows('selftest-browser'),
      site: rows('selftest-site'),
    };
  });
}
