// The one module that calls extension APIs (chrome.* / browser.*); everything else goes through it.

const ext = globalThis.browser ?? globalThis.chrome;

/** 'firefox' or 'chrome': which package we run as (Firefox alone has runtime.getBrowserInfo). */
export const browserName = typeof ext.runtime.getBrowserInfo === 'function' ? 'firefox' : 'chrome';

const network = () => ext.privacy?.network;

/** `{ value, levelOfControl }` of a `privacy.network` setting, or null where the browser lacks it. */
export async function getSetting(name) {
  const setting = network()?.[name];
  return setting ? setting.get({}) : null;
}

export async function setSetting(name, value) {
  await network()[name].set({ value });
}

export async function clearSetting(name) {
  await network()[name].clear({});
}

export function onSettingChange(name, listener) {
  network()?.[name]?.onChange.addListener(listener);
}

export function hasSetting(name) {
  return Boolean(network()?.[name]);
}

export async function getLocal(keys) {
  return ext.storage.local.get(keys);
}

export async function setLocal(items) {
  await ext.storage.local.set(items);
}

/**
 * The managed (enterprise) configuration. Chromium returns {} without a policy; Firefox rejects
 * ("Managed storage manifest not found"), which also means "no policy".
 */
export async function getManaged() {
  try {
    return (await ext.storage.managed?.get()) ?? {};
  } catch {
    return {};
  }
}

export function onStorageChanged(listener) {
  ext.storage.onChanged.addListener(listener);
}

export function onInstalled(listener) {
  ext.runtime.onInstalled.addListener(listener);
}

export function onStartup(listener) {
  ext.runtime.onStartup.addListener(listener);
}

/**
 * Registers an async message handler. The handler's promise is turned into a response; a
 * rejection becomes `{ error }` so callers never hang.
 */
export function onMessage(handler) {
  ext.runtime.onMessage.addListener((message, sender, sendResponse) => {
    Promise.resolve()
      .then(() => handler(message, sender))
      .then(sendResponse, (err) => sendResponse({ error: String(err?.message ?? err) }));
    return true;
  });
}

/**
 * Calls `listener(port)` for each connection named `name`. `port` is `{ sender, post(msg),
 * onMessage(fn), onDisconnect(fn) }`; `post` on a closed port is a no-op.
 */
export function onConnect(name, listener) {
  ext.runtime.onConnect.addListener((raw) => {
    if (raw.name !== name) return;
    listener({
      sender: raw.sender,
      post(msg) {
        try {
          raw.postMessage(msg);
        } catch {
          // disconnected
        }
      },
      onMessage: (fn) => raw.onMessage.addListener((msg) => fn(msg)),
      onDisconnect: (fn) => raw.onDisconnect.addListener(() => fn()),
    });
  });
}

/** Runs an extension file as a content script in one frame's ISOLATED world. */
export async function injectFile(tabId, frameId, file) {
  await ext.scripting.executeScript({ target: { tabId, frameIds: [frameId] }, files: [file] });
}

/** The response for one of the extension's own files (an error unless it is there). */
async function ownFile(path) {
  const res = await fetch(ext.runtime.getURL(path));
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res;
}

/** The bytes of one of the extension's own files. */
export async function fileBytes(path) {
  return (await ownFile(path)).arrayBuffer();
}

/** The text of one of the extension's own files. */
export async function fileText(path) {
  return (await ownFile(path)).text();
}

/** Calls `listener()` for broadcast messages of one `type`; never answers, so requests meant for the background are left to it. */
export function onBroadcast(type, listener) {
  ext.runtime.onMessage.addListener((message) => {
    if (message?.type === type) listener();
    return false;
  });
}

export async function sendMessage(message) {
  const reply = await ext.runtime.sendMessage(message);
  if (reply && typeof reply === 'object' && 'error' in reply) throw new Error(reply.error);
  return reply;
}

export function url(path) {
  return ext.runtime.getURL(path);
}

export function message(key, substitutions) {
  return ext.i18n.getMessage(key, substitutions);
}

/** A core message `{id, args}` (src/msg.rs; string args as they are, nested messages rendered first) or null when a key is missing. */
function coreMessage(msg) {
  if (!msg || typeof msg.id !== 'string') return null;
  const args = [];
  for (const a of Array.isArray(msg.args) ? msg.args : []) {
    const text = a !== null && typeof a === 'object' ? coreMessage(a) : String(a);
    if (text === null) return null;
    args.push(text);
  }
  return message(msg.id, args) || null;
}

/**
 * The core's message `{id, args}` in the UI language, from `_locales` (key = id); `fallback` (the core's
 * English sentence) when this build lacks a key. Here rather than in ui.js so the background can use it too.
 */
export function coreText(msg, fallback = '') {
  return coreMessage(msg) ?? String(fallback ?? '');
}

export function uiLanguage() {
  return ext.i18n.getUILanguage();
}

export async function setActionIcon(state, title) {
  const path = state === 'on'
    ? { 16: 'icons/icon-16.png', 32: 'icons/icon-32.png' }
    : { 16: `icons/icon-${state}-16.png`, 32: `icons/icon-${state}-32.png` };
  await ext.action.setIcon({ path });
  if (title) await ext.action.setTitle({ title });
}

/** The toolbar badge of one tab ('' clears it). */
export async function setBadge(tabId, text) {
  await ext.action.setBadgeText({ tabId, text });
}

/** Calls `listener(tabId)` when a tab starts loading a new document (resets per-tab counts). */
export function onTabLoading(listener) {
  ext.tabs?.onUpdated?.addListener((tabId, info) => {
    if (info.status === 'loading') listener(tabId);
  });
}

/** The registered content scripts among `ids` (`{id, excludeMatches, ...}`). */
export async function registeredScripts(ids) {
  return ext.scripting.getRegisteredContentScripts({ ids });
}

/** Runs `func` (no arguments, no closure) in the ISOLATED world of every frame of every tab; frames that refuse are skipped. */
export async function runInEveryFrame(func) {
  await forEveryTab((t) => ext.scripting.executeScript({ target: { tabId: t.id, allFrames: true }, func }));
}

/**
 * Calls `fn(tab)` for every tab at once and waits for all; a tab where it throws or rejects (closed meanwhile,
 * nothing listening, a page no extension may touch) is skipped, and the other tabs still get theirs.
 */
async function forEveryTab(fn) {
  const tabs = await ext.tabs.query({});
  await Promise.all(tabs.map((t) => Promise.resolve().then(() => fn(t)).catch(() => {})));
}

export async function unregisterScripts(ids) {
  await ext.scripting.unregisterContentScripts({ ids });
}

/**
 * Registers a MAIN-world, document_start, all-frames content script that persists across
 * sessions. Browsers that reject a key (older matchOriginAsFallback support) get it without.
 */
export async function registerMainWorldScript({ id, js, matches, excludeMatches = [] }) {
  const base = { id, js, matches, world: 'MAIN', runAt: 'document_start', allFrames: true, persistAcrossSessions: true };
  if (excludeMatches.length) base.excludeMatches = excludeMatches;
  try {
    await ext.scripting.registerContentScripts([{ ...base, matchOriginAsFallback: true }]);
  } catch {
    await ext.scripting.registerContentScripts([{ ...base, matchAboutBlank: true }]);
  }
}

/**
 * The tab a user means by "this site": the active tab of the last focused normal browser
 * window (the popup itself, or a popup opened as a tab, is never it).
 */
export async function activeWebTab() {
  const own = ext.runtime.getURL('');
  const notOwn = (t) => !(t.url ?? '').startsWith(own) && !(t.pendingUrl ?? '').startsWith(own);
  // The last focused window's active tab; lastAccessed alone ties in some browsers (headless Firefox).
  const focused = (await ext.tabs.query({ active: true, lastFocusedWindow: true, windowType: 'normal' }).catch(() => [])).filter(notOwn);
  if (focused.length) return focused[0];
  const web = (await ext.tabs.query({ active: true, windowType: 'normal' })).filter(notOwn);
  return web.sort((a, b) => (b.lastAccessed ?? 0) - (a.lastAccessed ?? 0))[0] ?? null;
}

/** Sends `message` to every frame of every tab; frames where nothing listens are skipped. */
export async function tellEveryFrame(message) {
  await forEveryTab((t) => ext.tabs.sendMessage(t.id, message));
}

/** Sends a message to IceVeil's content script in the top frame of a tab. */
export async function sendToTab(tabId, message) {
  return ext.tabs.sendMessage(tabId, message, { frameId: 0 });
}

/** The badge text IceVeil set on one tab ('' when none): the page layer's count of hidden candidates there. */
export async function badgeText(tabId) {
  return ext.action.getBadgeText({ tabId });
}

/** The badge's colour (the badge says how many candidates were hidden on the tab). */
export async function setBadgeColor(color) {
  await ext.action.setBadgeBackgroundColor({ color });
}

/**
 * Tabs with a website in them (http, https, file), the active one of the last focused window first:
 * where IceVeil's content scripts run and the browser applies its WebRTC setting.
 */
export async function webTabs() {
  const tabs = await ext.tabs.query({ windowType: 'normal' });
  const web = tabs.filter((t) => /^(https?|file):/.test(t.url ?? ''));
  return web.sort((a, b) => Number(b.active) - Number(a.active) || (b.lastAccessed ?? 0) - (a.lastAccessed ?? 0));
}

/** The URL of the tab `activeWebTab()` returns, or null (browser pages may hide it). */
export async function activeTabUrl() {
  const tab = await activeWebTab();
  return tab ? { id: tab.id, url: tab.url ?? tab.pendingUrl ?? '' } : null;
}

/** Calls `listener(details)` on install and update ({ reason: 'install' | 'update' | … }). */
export function onInstalledDetails(listener) {
  ext.runtime.onInstalled.addListener(listener);
}

/** Opens one of the extension's own pages in a new tab. */
export async function openOwnPage(path, { active = true } = {}) {
  await ext.tabs.create({ url: ext.runtime.getURL(path), active });
}

export async function openOptionsPage() {
  await ext.runtime.openOptionsPage();
}

/** Whether the user let IceVeil run in private (Firefox) or incognito (Chromium) windows. */
export async function allowedInPrivate() {
  return ext.extension.isAllowedIncognitoAccess();
}

/** The extension's own version, from the manifest. */
export function extensionVersion() {
  return ext.runtime.getManifest().version;
}

export async function copyText(text) {
  await navigator.clipboard.writeText(text);
}
