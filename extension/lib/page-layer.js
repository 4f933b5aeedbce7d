// Background side of the page layer: answers the content scripts' verdict requests with the Rust core, keeps the per-tab badge count, and registers content/disable.js while the mode is disable.
import * as api from './api.js';

const DISABLE_SCRIPT_ID = 'iceveil-disable';
const MAX_ITEMS = 512; // per request; a page cannot make the worker judge unbounded batches
const counts = new Map(); // tabId -> candidates filtered (dropped or rewritten) since the tab last loaded

api.onTabLoading((tabId) => {
  if (counts.delete(tabId)) api.setBadge(tabId, '').catch(() => {});
});

export function isPageMessage(message) {
  return typeof message?.type === 'string' && message.type.startsWith('page.');
}

/**
 * The origin whose exceptions apply to the sender. Sender data only: an about:blank/srcdoc frame
 * (opaque sender origin) may use its declared origin only when that is its tab's own origin, so a
 * page can never claim an excepted origin it does not have.
 */
export function senderOrigin(sender, claimed) {
  let origin = typeof sender?.origin === 'string' ? sender.origin : null;
  if (!origin || origin === 'null') {
    try {
      origin = new URL(sender.url).origin;
    } catch {
      origin = 'null';
    }
  }
  if (origin !== 'null') return origin;
  try {
    const top = new URL(sender.tab.url).origin;
    if (typeof claimed === 'string' && claimed === top) return top;
  } catch {
    // no tab url: stay opaque (no exception applies)
  }
  return 'null';
}

const strings = (v) => (Array.isArray(v) ? v.slice(0, MAX_ITEMS).map((s) => (typeof s === 'string' ? s : '')) : []);

export async function handlePageMessage(message, sender, { wasm, settings }) {
  if (message.type !== 'page.judge') throw new Error(`unknown page message ${JSON.stringify(message.type)}`);
  const { mode, excepted } = wasm.pageMode(settings, senderOrigin(sender, message.origin));
  const candidates = strings(message.candidates);
  const extra = strings(message.extra);
  const verdicts = candidates.length ? wasm.judgeCandidates(mode, candidates) : [];
  const reply = {
    mode,
    excepted,
    verdicts,
    extra: extra.length ? wasm.judgeCandidates(mode, extra) : [],
    sdps: strings(message.sdps).map((sdp) => wasm.filterSdp(mode, sdp)),
    addresses: message.addresses?.length ? wasm.hiddenAddresses(mode, strings(message.addresses)) : [],
  };
  const filtered = verdicts.filter((v) => v?.action !== 'allow').length;
  const tabId = sender?.tab?.id;
  if (filtered && Number.isInteger(tabId) && tabId >= 0) {
    const n = (counts.get(tabId) ?? 0) + filtered;
    counts.set(tabId, n);
    api.setBadge(tabId, String(n)).catch(() => {});
  }
  return reply;
}

/** Keeps content/disable.js registered (MAIN world, document_start, all frames) exactly while the mode is disable. */
export async function syncDisableScript(mode) {
  const want = mode === 'disable';
  const have = (await api.registeredScripts([DISABLE_SCRIPT_ID])).length > 0;
  if (want === have) return;
  if (!want) {
    await api.unregisterScripts([DISABLE_SCRIPT_ID]);
    return;
  }
  await api.registerMainWorldScript({
    id: DISABLE_SCRIPT_ID,
    js: ['content/disable.js'],
    matches: ['<all_urls>'],
  });
}
