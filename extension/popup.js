// IceVeil popup: renders the background's state and turns clicks into mode changes; it decides nothing.
import { browserName, copyText, message, onBroadcast, sendMessage } from './lib/api.js';
import { coreText, localize, policyName, showPrivateStatus } from './lib/ui.js';

const $ = (id) => document.getElementById(id);
const CONTROLLER_KEYS = {
  iceveil: 'controllerIceveil',
  browser: 'controllerBrowser',
  'other-extension': 'controllerOtherExtension',
  policy: 'controllerPolicy',
  'not-controllable': 'controllerNotControllable',
  unknown: 'controllerUnknown',
};
const MODE_NAME_KEYS = { 'hide-local': 'modeHideLocalName', 'proxy-only': 'modeProxyOnlyName', disable: 'modeDisableName' };

function showList(el, issues) {
  el.replaceChildren(...issues.map((i) => Object.assign(document.createElement('li'), { textContent: i.message })));
  el.hidden = issues.length === 0;
}

function showBanner(el, text) {
  el.textContent = text ?? '';
  el.hidden = !text;
}

/** The header's one sentence: what actually protects now. */
function headline(state, lost) {
  if (state.mode === 'off') return message('stateOff');
  const mode = message(MODE_NAME_KEYS[state.mode] ?? 'modeHideLocalName');
  // Who holds the setting and what to do is the warning's job; the header says what protects now.
  if (lost && !lost.canControl) return message(state.pageLayer === 'off' ? 'stateNotInControl' : 'stateFilterOnly', [mode]);
  if (lost) return message('statePending', [mode]);
  return message('stateOn', [mode]);
}

function render(state) {
  const previousMode = lastState?.mode;
  lastState = state;
  document.body.dataset.ready = 'true';
  showBanner($('core-error'), state.coreError ? message('coreError', [state.coreError]) : null);
  if (state.coreError) return;
  const on = state.mode !== 'off';
  const locked = Boolean(state.locked);
  const lost = Object.values(state.settings).find((s) => !s.inEffect);
  $('enabled').checked = on;
  $('enabled').disabled = locked;
  $('enabled-state').textContent = headline(state, lost);
  $('enabled-state').dataset.state = !on ? 'off' : lost ? 'not-in-control' : 'on';
  $('state-icon').src = `icons/icon-${!on ? 'off-' : lost ? 'warn-' : ''}32.png`;
  $('modes').disabled = locked;
  $('modes').dataset.off = String(!on);
  $('modes-hint').textContent = message(on ? 'modeHint' : 'modeHintOff');
  $('locked-note').hidden = !locked;
  // Off: no mode is shown as active; picking one turns protection on with it.
  for (const radio of document.querySelectorAll('input[name=mode]')) radio.checked = on && radio.value === state.mode;
  document.body.dataset.mode = state.mode;
  if (previousMode !== undefined && previousMode !== state.mode) clearResult();

  showList($('user-issues'), state.userIssues.map((i) => ({ message: message('userIssue', [coreText(i.text, i.message)]) })));
  showList($('managed-issues'), state.managedIssues.map((i) => ({ message: message('managedIssue', [i.key, coreText(i.text, i.message)]) })));

  const policy = state.settings.webRTCIPHandlingPolicy;
  $('policy-value').textContent = policyName(policy.value);
  $('policy-value').dataset.value = policy.value;
  $('policy-value').title = String(policy.value);
  $('controller').textContent = message(CONTROLLER_KEYS[policy.controller] ?? 'controllerUnknown');
  $('controller').dataset.controller = policy.controller;

  const peer = state.settings.peerConnectionEnabled;
  $('peer-row-label').hidden = !peer;
  $('peer-value').hidden = !peer;
  if (peer) $('peer-value').textContent = message(peer.value ? 'peerEnabled' : 'peerDisabled');

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
  $('control-warning').dataset.kind = lost ? lost.controller : '';
  const iceLocked = locked || Boolean(state.managed?.selfTestIceServers);
  $('ice-servers').disabled = iceLocked;
  $('ice-servers-save').disabled = iceLocked;
  // Never overwrite what the user is typing: a background refresh may arrive mid-edit.
  $('ice-servers').dataset.saved = state.iceServerLines ?? '';
  if (!iceEdited) $('ice-servers').value = state.iceServerLines ?? '';
  refreshSite();
}

// ------------------------------------------------------------------ this site
let siteSeq = 0;
async function refreshSite() {
  const seq = ++siteSeq;
  const info = await sendMessage({ type: 'site.info' }).catch(() => null);
  if (seq !== siteSeq || !info) return;
  renderSite(info);
}

function renderSite(info) {
  showPrivateStatus($('private-value'), $('private-help'), info.allowedInPrivate);

  const section = $('site');
  section.hidden = !info.origin;
  section.dataset.excepted = String(info.excepted);
  if (!info.origin) return;
  const host = new URL(info.origin).host;
  $('site-heading').textContent = message('siteHeading', [host]);
  $('site-hidden').textContent = info.excepted ? message('siteExcepted', [host])
    : info.hidden === 0 ? message('siteHiddenNone', [host])
      : message(info.hidden === 1 ? 'siteHiddenOne' : 'siteHiddenMany', [String(info.hidden), host]);
  $('site-hidden').dataset.hidden = String(info.hidden);
  const managedList = Array.isArray(info.managedExceptions);
  const blocked = info.locked || managedList;
  $('site-allow').hidden = info.userExcepted || (info.excepted && blocked);
  $('site-allow').disabled = blocked || lastState?.mode === 'off';
  $('site-undo').hidden = !info.userExcepted;
  $('site-undo').disabled = blocked;
  let note = '';
  if (managedList) {
    note = info.managedExceptions.length
      ? message('siteManagedList', [info.managedExceptions.join(', ')]) : message('siteManagedNone');
  } else if (info.locked) {
    note = message('siteLocked');
  } else if (lastState?.mode === 'off') {
    note = message('siteOff');
  } else if (!info.userExcepted) {
    note = message('siteAllowHint');
  }
  $('site-note').textContent = note;
  $('site').dataset.origin = info.origin;
}

async function changeSite(add) {
  showBanner($('action-error'), null);
  const origin = $('site').dataset.origin;
  try {
    renderSite(await sendMessage({ type: add ? 'exceptions.add' : 'exceptions.remove', pattern: origin }));
    (add ? $('site-undo') : $('site-allow')).focus();
  } catch (err) {
    showBanner($('action-error'), message('actionFailed', [String(err.message ?? err)]));
  }
}

// ------------------------------------------------------------------ leak self-test
const GATHER_TIMEOUT_MS = 8000;
let lastState = null;
let iceEdited = false; // the ICE-server box holds unsaved edits
let lastReport = null;

/** Gathers in this extension page: Firefox applies its WebRTC prefs here exactly as on websites. */
function gatherHere(iceServers, onProgress) {
  return globalThis.iceveilGather(globalThis.RTCPeerConnection, iceServers, GATHER_TIMEOUT_MS, onProgress);
}

const KIND_KEYS = {
  private: 'kindPrivate', 'shared-cgnat': 'kindSharedCgnat', 'link-local': 'kindLinkLocal', 'other-local': 'kindOtherLocal',
  'global-v4': 'kindGlobalV4', 'global-v6': 'kindGlobalV6', mdns: 'kindMdns', relay: 'kindRelay',
  hidden: 'kindHidden', unknown: 'kindUnknown',
};

/** The kind label; for the core's "other local" kind, the finer address class it also gives (loopback, unique local, …). */
function kindText(row) {
  if (row.kind === 'other-local' && row.class) return message(`class_${row.class.replaceAll('-', '_')}`) || message('kindOtherLocal');
  return message(KIND_KEYS[row.kind] ?? 'kindUnknown');
}

function renderTable(table, report) {
  const head = document.createElement('tr');
  for (const key of ['colType', 'colAddress', 'colClass', 'colVerdict']) {
    head.append(Object.assign(document.createElement('th'), { scope: 'col', textContent: message(key) }));
  }
  const rows = report.rows.map((r) => {
    const tr = document.createElement('tr');
    tr.dataset.exposure = r.exposure;
    tr.dataset.kind = r.kind;
    Object.assign(tr.dataset, { typ: r.typ, protocol: r.protocol, address: r.address });
    const addr = r.relatedAddress ? message('addressWithRelated', [r.address, r.relatedAddress]) : r.address;
    const verdict = r.pageLayer === 'allow' ? message(`exposure_${r.exposure.replaceAll('-', '_')}`)
      : message('exposureFiltered', [message(`exposure_${r.exposure.replaceAll('-', '_')}`), message(`pageLayer_${r.pageLayer}`)]);
    for (const [text, cls] of [[`${r.typ} ${r.protocol}`, ''], [addr, 'addr'], [kindText(r), ''], [verdict, '']]) {
      tr.append(Object.assign(document.createElement('td'), { textContent: text, className: cls }));
    }
    return tr;
  });
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    tr.append(Object.assign(document.createElement('td'), { colSpan: 4, textContent: message('noCandidates') }));
    rows.push(tr);
  }
  table.replaceChildren(head, ...rows);
}

function clearResult() {
  $('verdict').hidden = true;
  $('selftest-result').hidden = true;
  $('selftest-result').open = false;
  delete $('selftest-summary').dataset.summary;
  lastReport = null;
}

const verdictText = (id) => message(`verdict_${id.replaceAll('-', '_')}`);
const detailText = (id, report) => message(`verdictDetail_${id.replaceAll('-', '_')}`, [(report?.addresses ?? []).join(', ')]);

async function runSelfTest() {
  const button = $('selftest-run');
  button.disabled = true;
  clearResult();
  showBanner($('action-error'), null);
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
    // Both layers are measured in a website tab: its own native RTCPeerConnection (what the browser
    // exposes to sites) and the page's wrapped one (what the site sees through IceVeil). When the
    // active tab is a browser page, the browser layer is measured in another open website tab. Only
    // Firefox, which applies its WebRTC prefs to extension pages too, may measure here instead;
    // Chromium does not apply its setting to extension pages, so there the popup says it cannot measure.
    const site = await sendMessage({ type: 'selftest.site', iceServers, timeoutMs: GATHER_TIMEOUT_MS })
      .catch((err) => ({ available: false, reason: String(err.message ?? err) }));
    let here = site.browser ?? null;
    let measuredIn = here ? site.browserOrigin : null;
    if (!here && browserName === 'firefox') {
      here = await gatherHere(iceServers, (n) => { found = n; tick(); });
      measuredIn = 'extension-page';
    }
    const browserReport = here
      ? await sendMessage({ type: 'selftest.report', candidates: here.candidates, outcome: here.outcome })
      : { summary: 'cannot-measure', protected: null, addresses: [], rows: [] };
    browserReport.measuredIn = measuredIn;
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
    // The verdict is the worse of the two layers as measured; a layer that could not be measured never counts as a leak.
    const worst = [siteReport, browserReport].find((r) => r && r.protected === false) ?? (siteReport && browserReport.protected === null ? siteReport : browserReport);
    const summaryEl = $('selftest-summary');
    summaryEl.textContent = verdictText(worst.summary);
    summaryEl.dataset.protected = String(worst.protected);
    summaryEl.dataset.summary = worst.summary;
    const detail = [detailText(worst.summary, worst)];
    if (lastState?.mode === 'proxy-only' && worst.protected !== false) detail.push(message('proxyOnlyCalls'));
    $('verdict-detail').textContent = detail.join(' ');

    const where = (r) => (r.measuredIn === 'extension-page' ? message('measuredInExtension')
      : r.measuredIn ? message('measuredIn', [new URL(r.measuredIn).host || r.measuredIn]) : '');
    const layerLine = (r) => [r.summary === worst.summary ? '' : verdictText(r.summary), where(r)].filter(Boolean).join(' ');
    $('selftest-browser-summary').textContent = browserReport.summary === 'cannot-measure'
      ? message('cannotMeasureLayer') : layerLine(browserReport);
    $('selftest-browser-summary').dataset.summary = browserReport.summary;
    renderTable($('selftest-browser'), browserReport);
    if (siteReport) {
      $('selftest-site-summary').textContent = siteReport.summary === worst.summary ? '' : verdictText(siteReport.summary);
      $('selftest-site-summary').dataset.summary = siteReport.summary;
      renderTable($('selftest-site'), siteReport);
    } else {
      $('selftest-site-summary').textContent = message('siteUnavailable');
      $('selftest-site-summary').dataset.summary = 'site-unavailable';
      $('selftest-site').replaceChildren();
    }
    $('verdict').hidden = false;
    $('selftest-result').hidden = false;
    $('copy-status').textContent = '';
    $('verdict').scrollIntoView({ block: 'nearest' });
    $('verdict').focus();
    document.body.dataset.selftest = 'done';
  } catch (err) {
    showBanner($('action-error'), message('selftestFailed', [String(err.message ?? err)]));
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

let copyTimer = null;
async function copyReport() {
  const ok = await copyText(reportJson()).then(() => true, () => false);
  $('copy-status').textContent = message(ok ? 'selftestCopied' : 'selftestCopyFailed');
  $('copy-status').dataset.ok = String(ok);
  clearTimeout(copyTimer);
  copyTimer = setTimeout(() => { $('copy-status').textContent = ''; }, 4000);
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

localize(document);
$('enabled').addEventListener('change', (e) => act({ type: 'setEnabled', enabled: e.target.checked }));
for (const radio of document.querySelectorAll('input[name=mode]')) {
  radio.addEventListener('change', () => radio.checked && act({ type: 'setMode', mode: radio.value }));
}
$('selftest-run').addEventListener('click', runSelfTest);
$('selftest-copy').addEventListener('click', copyReport);
$('selftest-export').addEventListener('click', exportReport);
$('site-allow').addEventListener('click', () => changeSite(true));
$('site-undo').addEventListener('click', () => changeSite(false));
$('open-options').addEventListener('click', () => sendMessage({ type: 'openOptions' }).catch(() => {}));
$('ice-servers').addEventListener('input', () => { iceEdited = true; });
$('ice-servers-save').addEventListener('click', saveIceServers);
// The background announces changes made elsewhere (a late managed policy, another extension).
onBroadcast('state-changed', () => act({ type: 'state' }));
act({ type: 'state' });
