// IceVeil background: applies the chosen mode to the browser's WebRTC settings and answers the popup.
// Listeners are registered synchronously at the top; the Rust core starts lazily inside them.
import * as api from './lib/api.js';
import { core, coreWithoutSuffixList } from './lib/core.js';
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
// First run: a page that explains the two layers, the leak test and site exceptions (opened behind the current tab),
// once the mode is applied, so its load does not compete with the first set() on a busy machine.
api.onInstalledDetails((details) => {
  if (details?.reason !== 'install') return;
  earlyApplied.finally(() => api.openOwnPage('welcome.html', { active: false }).catch(() => {}));
});
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
// The stored or default mode goes into the browser at once, before anything waits for the managed answer.
const earlyApplied = applyStoredMode().catch((err) => console.error('IceVeil: early apply failed', err));
reapply('wake');

/**
 * Stored and managed settings, validated and merged by the core, and the page layer's policy built from
 * them (exceptions indexed once); cached until storage changes, so no verdict request re-validates.
 */
function resolvedSettings(wasm) {
  settingsCache ??= Promise.all([api.getLocal(USER_KEYS), api.getManaged()])
    .then(([user, managed]) => {
      const resolved = wasm.resolveSettings(user, managed);
      return { user, resolved, policy: new wasm.PagePolicy(resolved.settings) };
    })
    .catch((err) => {
      settingsCache = null;
      throw err;
    });
  return settingsCache;
}

/** What the page layer judges with: the core and the current settings' page policy. */
async function pageContext() {
  const wasm = await core();
  const { resolved, policy } = await resolvedSettings(wasm);
  return { wasm, settings: resolved.settings, policy };
}

/** The browser's WebRTC settings as they are, next to what `mode` wants of them. */
async function browserSettings(wasm, mode) {
  const plan = wasm.settingsPlan(mode, api.browserName);
  const wanted = [
    [POLICY, plan.ipHandlingPolicy, 'default'],
    [PEER, plan.peerConnectionEnabled, true],
  ].filter(([name, action]) => action.action !== 'unsupported' && api.hasSetting(name));
  const current = await Promise.all(wanted.map(([name]) => api.getSetting(name))); // both reads at once
  const settings = {};
  wanted.forEach(([name, action, defaultValue], i) => {
    const { value, levelOfControl } = current[i];
    const want = action.action === 'set' ? action.value : null;
    settings[name] = { value, levelOfControl, wanted: want, action, ...wasm.controlStatus(levelOfControl, value, want, defaultValue) };
  });
  return { plan, settings };
}

/** Sets or clears each browser setting that `settings` (from browserSettings) says IceVeil should change. */
async function applySettings(settings) {
  const pending = Object.entries(settings).filter(([, s]) => s.shouldApply);
  for (const [name, s] of pending) {
    if (s.action.action === 'set') await api.setSetting(name, s.action.value);
    else if (s.action.action === 'clear') await api.clearSetting(name);
  }
  return pending.length;
}

/** Reads the settings and the browser's WebRTC settings as they are. */
async function readState(wasm) {
  const { user, resolved } = await resolvedSettings(wasm);
  const { plan, settings } = await browserSettings(wasm, resolved.settings.mode);
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
    await earlyApplied; // this worker's one early apply, started at load (already settled after the first apply)
    wasm = await core();
  } catch (err) {
    return failClosed(err);
  }
  let state = await readState(wasm);
  if (await applySettings(state.settings)) state = await readState(wasm);
  state.reason = reason;
  announce(state);
  const { policy } = await resolvedSettings(wasm);
  pushPagePolicies(policy);
  await syncDisableScript(wasm, state.mode, state.exceptions).catch((err) => console.error('IceVeil: disable-mode script', err));
  await showBadge(state);
  return state;
}

/**
 * Before the browser's first managed-storage answer (on a fresh Chromium profile it takes seconds): the stored or
 * default mode, at once. apply() goes on to wait for that answer; the managed configuration then applies, and a
 * locked value replaces this one. Every other reader of the settings (the popup, the page layer, a mode change)
 * waits for the answer, so the lock holds for the user from the first moment.
 */
async function applyStoredMode() {
  const [wasm, user] = await Promise.all([coreWithoutSuffixList(), api.getLocal(USER_KEYS)]);
  const resolved = wasm.resolveSettings(user, {});
  const { settings } = await browserSettings(wasm, resolved.settings.mode);
  await applySettings(settings);
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
  // Shape and colour: a filled blue shield with a tick (on), a grey outlined shield with a slash (off), an amber triangle (not in control).
  const icon = state.mode === 'off' ? 'off' : lost || !policy ? 'warn' : 'on';
  const title = api.message(icon === 'on' ? 'badgeOn' : icon === 'off' ? 'badgeOff' : 'badgeWarn');
  await api.setActionIcon(icon, title).catch(() => {});
  await api.setBadgeColor('#2a4e8f').catch(() => {});
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
  if (parsed.error) throw new Error(api.coreText(parsed.errorText, parsed.error));
  await api.setLocal({ selfTestIceServers: parsed.servers });
  settingsCache = null;
  return serial(() => apply('user-set-ice-servers'));
}

/**
 * Asks IceVeil's own content script in the active tab to gather through the page's (wrapped)
 * RTCPeerConnection: exactly what that site would see. No extra permission: where the content
 * script cannot run (browser pages, stores), the answer says so. The browser layer (the setting
 * applies to every website alike) is then measured in another open website tab, so that a browser
 * page never falls back to an extension page, where Chromium does not apply the setting.
 */
async function runSiteSelfTest({ iceServers, timeoutMs }) {
  const active = await api.activeWebTab();
  let answer = { available: false, reason: active ? 'no-page-layer' : 'no-tab', tabId: active?.id };
  if (active) {
    try {
      const result = await api.sendToTab(active.id, { type: 'iceveil.selftest', iceServers, timeoutMs });
      if (result && !result.error) return { available: true, tabId: active.id, ...result, browserOrigin: result.origin };
      answer = { available: false, reason: result?.error ?? 'no-page-layer', tabId: active.id };
    } catch {
      // a browser page, a store, or a tab still loading: no content script answers
    }
  }
  for (const tab of (await api.webTabs().catch(() => [])).filter((t) => t.id !== active?.id).slice(0, 5)) {
    try {
      const result = await api.sendToTab(tab.id, { type: 'iceveil.selftest', iceServers, timeoutMs, browserOnly: true });
      if (result?.browser) return { ...answer, browser: result.browser, browserOrigin: result.origin };
    } catch {
      // this tab cannot answer either; try the next
    }
  }
  return answer;
}

/** The active tab's site for the popup: its origin, the candidates hidden there, and its exception. */
async function siteInfo() {
  const wasm = await core();
  const { user, resolved } = await resolvedSettings(wasm);
  const tab = await api.activeTabUrl();
  let origin = null;
  try {
    const u = new URL(tab?.url ?? '');
    if (u.protocol === 'http:' || u.protocol === 'https:') origin = u.origin;
  } catch {
    // no website in the active tab
  }
  const hidden = tab ? Number.parseInt(await api.badgeText(tab.id).catch(() => ''), 10) || 0 : 0;
  const userExceptions = Array.isArray(user.exceptions) ? user.exceptions.filter((e) => typeof e === 'string') : [];
  return {
    origin,
    hidden,
    excepted: origin ? (await resolvedSettings(wasm)).policy.forFrame(origin, origin).excepted === true : false,
    userExcepted: origin ? userExceptions.includes(origin) : false,
    userExceptions,
    managedExceptions: resolved.managed?.exceptions ?? null,
    locked: resolved.settings.locked,
    allowedInPrivate: await api.allowedInPrivate().catch(() => null),
  };
}

/**
 * Adds or removes one user exception (a site pattern such as "https://meet.example.com"). The
 * core validates the new list (resolveSettings); its message is the error shown to the user.
 */
async function changeException(pattern, add) {
  const wasm = await core();
  const { user, resolved } = await resolvedSettings(wasm);
  if (resolved.settings.locked || resolved.managed?.exceptions) throw new Error(api.message('errorLocked'));
  const current = Array.isArray(user.exceptions) ? user.exceptions.filter((e) => typeof e === 'string') : [];
  const text = String(pattern ?? '').trim();
  let list = current.filter((e) => e !== text);
  if (add) {
    const checked = wasm.resolveSettings({ exceptions: [text] }, {});
    const issue = checked.userIssues.find((i) => i.key.startsWith('exceptions'));
    if (issue || checked.settings.exceptions.length !== 1) {
      throw new Error(issue ? api.coreText(issue.text, issue.message) : api.message('errorBadException', [text]));
    }
    const normal = checked.settings.exceptions[0];
    list = [...list.filter((e) => e !== normal), normal];
  }
  await api.setLocal({ exceptions: list });
  settingsCache = null;
  await serial(() => apply(add ? 'user-add-exception' : 'user-remove-exception'));
  return siteInfo();
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
    case 'site.info':
      return siteInfo();
    case 'exceptions.add':
      return changeException(message.pattern, true);
    case 'exceptions.remove':
      return changeException(message.pattern, false);
    case 'openOptions':
      return api.openOptionsPage();
    default:
      throw new Error(`unknown message type ${JSON.stringify(message?.type)}`);
  }
}

