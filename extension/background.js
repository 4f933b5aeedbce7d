// IceVeil background: applies the chosen mode to the browser's WebRTC settings and answers the popup.
// Listeners are registered synchronously at the top; the Rust core starts lazily inside them.
import * as api from './lib/api.js';
import { core } from './lib/core.js';
import {
  addPagePort, handlePageMessage, isPageMessage, PAGE_PORT, pushPagePolicies, stalePagePolicies, syncDisableScript,
} from './lib/page-layer.js';

const POLICY = 'webRTCIPHandlingPolicy';
const PEER = 'peerConnectionEnabled';
// Emergency plumbing only: if the core cannot start, hold the strictest value both browsers know.
const FAIL_CLOSED_POLICY = 'disable_non_proxied_udp';
const USER_KEYS = ['mode', 'lastOnMode', 'exceptions', 'selfTestIceServers'];

let queue = Promise.resolve();
let settingsCache = null;
let lastAnnounced = null;

/** Runs `task` after every earlier one, so applies never interleave. */
function serial(task) {
  const run = queue.then(task, task);
  queue = run.catch(() => {});
  return run;
}

function reapply(reason) {
  return serial(() => apply(reason)).catch((err) => console.error('IceVeil: apply failed', reason, err));
}

api.onInstalled(() => reapply('installed'));
api.onStartup(() => reapply('startup'));
api.onSettingChange(POLICY, () => reapply('policy-changed'));
api.onSettingChange(PEER, () => reapply('peer-connection-changed'));
api.onStorageChanged((_changes, area) => {
  if (area !== 'local' && area !== 'managed') return;
  settingsCache = null;
  stalePagePolicies();
  reapply(`storage-${area}`);
});
api.onMessage(handleMessage);
api.onConnect(PAGE_PORT, (port) => addPagePort(port, pageContext));
reapply('wake');

/** Stored and managed settings, validated and merged by the core; cached until storage changes. */
function resolvedSettings(wasm) {
  settingsCache ??= Promise.all([api.getLocal(USER_KEYS), api.getManaged()])
    .then(([user, managed]) => ({ user, resolved: wasm.resolveSettings(user, managed) }))
    .catch((err) => {
      settingsCache = null;
      throw err;
    });
  return settingsCache;
}

/** What the page layer judges with: the core and the current settings. */
async function pageContext() {
  const wasm = await core();
  return { wasm, settings: (await resolvedSettings(wasm)).resolved.settings };
}

/** Reads the settings and the browser's WebRTC settings as they are. */
async function readState(wasm) {
  const { user, resolved } = await resolvedSettings(wasm);
  const plan = wasm.settingsPlan(resolved.settings.mode, api.browserName);
  const settings = {};
  for (const [name, action, defaultValue] of [
    [POLICY, plan.ipHandlingPolicy, 'default'],
    [PEER, plan.peerConnectionEnabled, true],
  ]) {
    if (action.action === 'unsupported' || !api.hasSetting(name)) continue;
    const current = await api.getSetting(name);
    const wanted = action.action === 'set' ? action.value : null;
    settings[name] = {
      value: current.value,
      levelOfControl: current.levelOfControl,
      wanted,
      action,
      ...wasm.controlStatus(current.levelOfControl, current.value, wanted, defaultValue),
    };
  }
  return {
    browser: api.browserName,
    coreVersion: wasm.coreVersion(),
    mode: resolved.settings.mode,
    lastOnMode: typeof user.lastOnMode === 'string' ? user.lastOnMode : null,
    locked: resolved.settings.locked,
    exceptions: resolved.settings.exceptions,
    selfTestIceServers: resolved.settings.selfTestIceServers,
    iceServerLines: wasm.iceServerLines(resolved.settings.selfTestIceServers),
    userIssues: resolved.userIssues,
    managedIssues: resolved.managedIssues,
    managed: resolved.managed,
    pageLayer: plan.pageLayer,
    settings,
    coreError: null,
  };
}

/** Brings the browser's settings in line with the mode, where IceVeil can. */
async function apply(reason) {
  let wasm;
  try {
    wasm = await core();
  } catch (err) {
    return failClosed(err);
  }
  let state = await readState(wasm);
  const pending = Object.entries(state.settings).filter(([, s]) => s.shouldApply);
  for (const [name, s] of pending) {
    if (s.action.action === 'set') await api.setSetting(name, s.action.value);
    else if (s.action.action === 'clear') await api.clearSetting(name);
  }
  if (pending.length) state = await readState(wasm);
  state.reason = reason;
  announce(state);
  pushPagePolicies(wasm, (await resolvedSettings(wasm)).resolved.settings);
  await syncDisableScript(state.mode).catch((err) => console.error('IceVeil: disable-mode script', err));
  await showBadge(state);
  return state;
}

/** Tells open popups that the state changed (a late policy, another extension, a storage change). */
function announce(state) {
  const { reason, ...rest } = state;
  const text = JSON.stringify(rest);
  if (text === lastAnnounced) return;
  const first = lastAnnounced === null;
  lastAnnounced = text;
  if (!first) api.sendMessage({ type: 'state-changed' }).catch(() => {}); // no popup open: nobody listens
}

async function failClosed(err) {
  console.error('IceVeil: core failed to start; holding the strictest policy', err);
  const current = await api.getSetting(POLICY);
  if (current && current.levelOfControl.endsWith('by_this_extension')) {
    await api.setSetting(POLICY, FAIL_CLOSED_POLICY);
  }
  const state = { coreError: String(err?.message ?? err), browser: api.browserName, settings: {} };
  await api.setActionIcon('warn', api.message('badgeCoreError')).catch(() => {});
  return state;
}

async function showBadge(state) {
  const policy = state.settings[POLICY];
  const lost = Object.values(state.settings).some((s) => !s.inEffect);
  const icon = state.mode === 'off' ? 'off' : lost || !policy ? 'warn' : 'on';
  const title = api.message(icon === 'on' ? 'badgeOn' : icon === 'off' ? 'badgeOff' : 'badgeWarn');
  await api.setActionIcon(icon, title).catch(() => {});
}

/** Stores a new user mode after checking it with the core and the managed lock. */
async function setMode(mode) {
  const wasm = await core();
  const state = await serial(() => apply('before-set-mode'));
  if (state.coreError) throw new Error(state.coreError);
  if (state.locked) throw new Error(api.message('errorLocked'));
  if (!wasm.isModeId(mode)) throw new Error(api.message('errorUnknownMode', [String(mode)]));
  const items = { mode };
  if (mode !== 'off') items.lastOnMode = mode;
  await api.setLocal(items);
  settingsCache = null; // storage.onChanged may arrive after set() resolves (Firefox)
  return serial(() => apply('user-set-mode'));
}

/** Stores the self-test's ICE servers from the popup's text box, after the core parsed them. */
async function setIceServers(text) {
  const wasm = await core();
  const { resolved } = await resolvedSettings(wasm);
  if (resolved.settings.locked || resolved.managed.selfTestIceServers) throw new Error(api.message('errorLocked'));
  const parsed = wasm.parseIceServers(String(text ?? ''));
  if (parsed.error) throw new Error(parsed.error);
  await api.setLocal({ selfTestIceServers: parsed.servers });
  settingsCache = null;
  return serial(() => apply('user-set-ice-servers'));
}

/**
 * Asks IceVeil's own content script in the active tab to gather through the page's (wrapped)
 * RTCPeerConnection: exactly what that site would see. No extra permission: where the content
 * script cannot run (browser pages, stores), the answer says so.
 */
async function runSiteSelfTest({ iceServers, timeoutMs }) {
  const tab = await api.activeWebTab();
  if (!tab) return { available: false, reason: 'no-tab' };
  try {
    const result = await api.sendToTab(tab.id, { type: 'iceveil.selftest', iceServers, timeoutMs });
    if (!result || result.error) return { available: false, reason: result?.error ?? 'no-page-layer', tabId: tab.id };
    return { available: true, tabId: tab.id, ...result };
  } catch {
    return { available: false, reason: 'no-page-layer', tabId: tab.id };
  }
}

async function handleMessage(message, sender) {
  if (isPageMessage(message)) return handlePageMessage(message, sender, await pageContext());
  switch (message?.type) {
    case 'state':
      return serial(() => apply('popup-opened'));
    case 'setMode':
      return setMode(message.mode);
    case 'setEnabled': {
      if (!message.enabled) return setMode('off');
      const { lastOnMode } = await api.getLocal(['lastOnMode']);
      return setMode((await core()).modeWhenEnabled(lastOnMode));
    }
    case 'selftest.report': {
      const wasm = await core();
      const { resolved } = await resolvedSettings(wasm);
      return wasm.selfTestReport(resolved.settings.mode, message.candidates ?? [], message.outcome ?? {});
    }
    case 'selftest.site':
      return runSiteSelfTest(message);
    case 'setIceServers':
      return setIceServers(message.text);
    default:
      throw new Error(`unknown message type ${JSON.stringify(message?.type)}`);
  }
}

