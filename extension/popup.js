// IceVeil popup: renders the background's state and turns clicks into mode changes; it decides nothing.
import { message, onBroadcast, sendMessage } from './lib/api.js';

const $ = (id) => document.getElementById(id);
const CONTROLLER_KEYS = {
  iceveil: 'controllerIceveil',
  browser: 'controllerBrowser',
  'other-extension': 'controllerOtherExtension',
  policy: 'controllerPolicy',
  'not-controllable': 'controllerNotControllable',
  unknown: 'controllerUnknown',
};

function localize() {
  for (const el of document.querySelectorAll('[data-i18n]')) {
    const text = message(el.dataset.i18n);
    if (text) el.textContent = text;
  }
  document.documentElement.lang = message('@@ui_locale').replace('_', '-') || 'en';
}

function showList(el, issues) {
  el.replaceChildren(...issues.map((i) => Object.assign(document.createElement('li'), { textContent: i.message })));
  el.hidden = issues.length === 0;
}

function showBanner(el, text) {
  el.textContent = text ?? '';
  el.hidden = !text;
}

function render(state) {
  lastState = state;
  document.body.dataset.ready = 'true';
  showBanner($('core-error'), state.coreError ? message('coreError', [state.coreError]) : null);
  if (state.coreError) return;
  const on = state.mode !== 'off';
  const locked = Boolean(state.locked);
  $('enabled').checked = on;
  $('enabled').disabled = locked;
  $('enabled-state').textContent = message(on ? 'stateOn' : 'stateOff');
  $('modes').disabled = locked;
  $('locked-note').hidden = !locked;
  const shown = on ? state.mode : state.lastOnMode;
  for (const radio of document.querySelectorAll('input[name=mode]')) radio.checked = radio.value === shown;
  document.body.dataset.mode = state.mode;

  showList($('user-issues'), state.userIssues.map((i) => ({ message: message('userIssue', [i.message]) })));
  showList($('managed-issues'), state.managedIssues.map((i) => ({ message: message('managedIssue', [i.key, i.message]) })));

  const policy = state.settings.webRTCIPHandlingPolicy;
  $('policy-value').textContent = policy.value;
  $('controller').textContent = message(CONTROLLER_KEYS[policy.controller] ?? 'controllerUnknown');
  $('controller').dataset.controller = policy.controller;

  const peer = state.settings.peerConnectionEnabled;
  $('peer-row-label').hidden = !peer;
  $('peer-value').hidden = !peer;
  if (peer) $('peer-value').textContent = message(peer.value ? 'peerEnabled' : 'peerDisabled');

  const lost = Object.values(state.settings).find((s) => !s.inEffect);
  let warning = null;
  if (lost && !lost.canControl) {
    warning = message(
      lost.controller === 'other-extension' ? 'warnOtherExtension'
        : lost.controller === 'policy' ? 'warnPolicy' : 'warnNotControllable',
    );
  } else if (lost) {
    warning = message('warnNotApplied');
  }
  showBanner($('control-warning'), warning);
  const iceLocked = locked || Boolean(state.managed?.selfTestIceServers);
  $('ice-servers').disabled = iceLocked;
  $('ice-servers-save').disabled = iceLocked;
  // Never overwrite what the user is typing: a background refresh may arrive mid-edit.
  $('ice-servers').dataset.saved = state.iceServerLines ?? '';
  if (!iceEdited) $('ice-servers').value = state.iceServerLines ?? '';
  $('control-warning').dataset.kind = lost ? lost.controller : '';
}

// ------------------------------------------------------------------ leak self-test
const GATHER_TIMEOUT_MS = 8000;
let lastState = null;
let iceEdited = false; // the ICE-server box holds unsaved edits
let lastReport = null;

/** Gathers in this extension page (fallback when no website tab is open), with lib/gather.js. */
function gatherHere(iceServers, onProgress) {
  return globalThis.iceveilGather(globalThis.RTCPeerConnection, iceServers, GATHER_TIMEOUT_MS, onProgress);
}

const KIND_KEYS = {
  private: 'kindPrivate', 'shared-cgnat': 'kindSharedCgnat', 'link-local': 'kindLinkLocal', 'other-local': 'kindOtherLocal',
  'global-v4': 'kindGlobalV4', 'global-v6': 'kindGlobalV6', mdns: 'kindMdns', relay: 'kindRelay', hidden: 'kindHidden', unknown: 'kindUnknown',
};
const summaryText = (report) => message(`summary_${report.summary.replaceAll('-', '_')}`, [report.addresses.join(', ')]);

function renderTable(table, report) {
  const head = document.createElement('tr');
  for (const key of ['colType', 'colProtocol', 'colAddress', 'colClass', 'colVerdict']) {
    head.append(Object.assign(document.createElement('th'), { scope: 'col', textContent: message(key) }));
  }
  const rows = report.rows.map((r) => {
    const tr = document.createElement('tr');
    tr.dataset.exposure = r.exposure;
    tr.dataset.kind = r.kind;
    const addr = r.relatedAddress ? `${r.address} (raddr ${r.relatedAddress})` : r.address;
    const verdict = `${message(`exposure_${r.exposure.replaceAll('-', '_')}`)}; ${message(`pageLayer_${r.pageLayer}`)}`;
    for (const [text, cls] of [[r.typ, ''], [r.protocol, ''], [addr, 'addr'], [message(KIND_KEYS[r.kind] ?? 'kindUnknown'), ''], [verdict, '']]) {
      tr.append(Object.assign(document.createElement('td'), { textContent: text, className: cls }));
    }
    return tr;
  });
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    tr.append(Object.assign(document.createElement('td'), { colSpan: 5, textContent: message('noCandidates') }));
    rows.push(tr);
  }
  table.replaceChildren(head, ...rows);
}

async function runSelfTest() {
  const button = $('selftest-run');
  button.disabled = true;
  $('selftest-result').hidden = true;
  $('selftest-progress').hidden = false;
  const started = Date.now();
  let found = 0;
  const tick = () => {
    $('selftest-progress-text').textContent = message('selftestProgress', [String(Math.round((Date.now() - started) / 1000)), String(found)]);
  };
  tick();
  const ticker = setInterval(tick, 500);
  try {
    const iceServers = lastState?.selfTestIceServers ?? [];
    // Both layers are measured in the active website tab: its own native RTCPeerConnection (what the
    // browser exposes to sites) and the page's wrapped one (what the site sees through IceVeil).
    // Only without a website tab does the browser layer fall back to this extension page, and says so.
    const site = await sendMessage({ type: 'selftest.site', iceServers, timeoutMs: GATHER_TIMEOUT_MS })
      .catch((err) => ({ available: false, reason: String(err.message ?? err) }));
    const here = site.available && site.browser ? site.browser : await gatherHere(iceServers, (n) => { found = n; tick(); });
    const browserReport = await sendMessage({ type: 'selftest.report', candidates: here.candidates, outcome: here.outcome });
    browserReport.measuredIn = site.available && site.browser ? site.origin : 'extension-page';
    const siteReport = site.available && site.page && !site.page.error
      ? await sendMessage({ type: 'selftest.report', candidates: site.page.candidates ?? [], outcome: site.page.outcome ?? {} })
      : null;
    if (siteReport) siteReport.measuredIn = site.origin;
    lastReport = {
      generatedAt: new Date().toISOString(),
      extension: 'IceVeil', coreVersion: lastState?.coreVersion, browser: lastState?.browser, mode: lastState?.mode,
      browserSetting: lastState?.settings?.webRTCIPHandlingPolicy ?? null,
      iceServers: iceServers.map((s) => ({ urls: s.urls })),
      browserLayer: browserReport,
      siteLayer: siteReport ?? { unavailable: site.reason ?? 'unknown' },
    };
    const worst = [siteReport, browserReport].find((r) => r && !r.protected) ?? browserReport;
    $('selftest-summary').textContent = summaryText(worst);
    $('selftest-summary').dataset.protected = String(worst.protected);
    $('selftest-summary').dataset.summary = worst.summary;
    $('selftest-browser-summary').textContent = browserReport.measuredIn === 'extension-page'
      ? `${summaryText(browserReport)} ${message('measuredInExtension')}` : summaryText(browserReport);
    $('selftest-browser-summary').dataset.summary = browserReport.summary;
    renderTable($('selftest-browser'), browserReport);
    if (siteReport) {
      $('selftest-site-summary').textContent = summaryText(siteReport);
      $('selftest-site-summary').dataset.summary = siteReport.summary;
      renderTable($('selftest-site'), siteReport);
    } else {
      $('selftest-site-summary').textContent = message('siteUnavailable');
      $('selftest-site-summary').dataset.summary = 'site-unavailable';
      $('selftest-site').replaceChildren();
    }
    $('selftest-result').hidden = false;
    document.body.dataset.selftest = 'done';
  } catch (err) {
    showBanner($('action-error'), message('actionFailed', [String(err.message ?? err)]));
    document.body.dataset.selftest = 'failed';
  } finally {
    clearInterval(ticker);
    $('selftest-progress').hidden = true;
    button.disabled = false;
  }
}

function reportJson() {
  return JSON.stringify(lastReport, null, 2);
}

async function copyReport() {
  await navigator.clipboard.writeText(reportJson()).catch(() => {});
  $('selftest-copy').textContent = message('selftestCopied');
}

function exportReport() {
  const url = URL.createObjectURL(new Blob([reportJson()], { type: 'application/json' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: `iceveil-leak-report-${Date.now()}.json` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Sends one request and renders the answer; true when the background accepted it. */
async function act(request) {
  showBanner($('action-error'), null);
  try {
    render(await sendMessage(request));
    return true;
  } catch (err) {
    showBanner($('action-error'), message('actionFailed', [String(err.message ?? err)]));
    render(await sendMessage({ type: 'state' }).catch(() => ({ coreError: String(err.message ?? err) })));
    return false;
  }
}

async function saveIceServers() {
  const text = $('ice-servers').value;
  if (await act({ type: 'setIceServers', text })) {
    iceEdited = false;
    render(lastState);
  }
}

localize();
$('enabled').addEventListener('change', (e) => act({ type: 'setEnabled', enabled: e.target.checked }));
for (const radio of document.querySelectorAll('input[name=mode]')) {
  radio.addEventListener('change', () => radio.checked && act({ type: 'setMode', mode: radio.value }));
}
$('selftest-run').addEventListener('click', runSelfTest);
$('selftest-copy').addEventListener('click', copyReport);
$('selftest-export').addEventListener('click', exportReport);
$('ice-servers').addEventListener('input', () => { iceEdited = true; });
$('ice-servers-save').addEventListener('click', saveIceServers);
// The background announces changes made elsewhere (a late managed policy, another extension).
onBroadcast('state-changed', () => act({ type: 'state' }));
act({ type: 'state' });
