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
