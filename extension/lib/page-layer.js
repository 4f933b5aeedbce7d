// Background side of the page layer: answers the content scripts' verdict requests with the Rust core, equips Firefox frames that use WebRTC with a local core and their policy, keeps the per-tab badge count, and registers content/disable.js while the mode is disable.
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

/**
 * The top-level site of the sender's tab (sender data only), or 'null'. An exception applies only where
 * both the frame's origin and this site are excepted (config::ExceptionSet::applies).
 */
export function topOrigin(sender) {
  try {
    const u = sender?.tab?.url;
    if (typeof u !== 'string' || u === '') return 'null';
    return new URL(u).origin;
  } catch {
    return 'null';
  }
}

/** `{mode, excepted}` for the sender's frame under `policy` (a core PagePolicy). */
const frameMode = (policy, sender, claimed) => policy.forFrame(senderOrigin(sender, claimed), topOrigin(sender));

const strings = (v) => (Array.isArray(v) ? v.slice(0, MAX_ITEMS).map((s) => (typeof s === 'string' ? s : '')) : []);

/** Adds `filtered` (candidates dropped or rewritten) to the sender tab's badge. */
function count(sender, filtered) {
  const tabId = sender?.tab?.id;
  if (!(Number.isInteger(filtered) && filtered > 0 && filtered <= MAX_ITEMS) || !Number.isInteger(tabId) || tabId < 0) return;
  const n = (counts.get(tabId) ?? 0) + filtered;
  counts.set(tabId, n);
  api.setBadge(tabId, String(n)).catch(() => {});
}

export async function handlePageMessage(message, sender, { wasm, policy }) {
  const { mode, excepted } = frameMode(policy, sender, message.origin);
  if (message.type === 'page.policy') return { mode, excepted };
  if (message.type !== 'page.judge') throw new Error(`unknown page message ${JSON.stringify(message.type)}`);
  const reply = wasm.judgePage(
    mode, excepted, strings(message.candidates), strings(message.extra), strings(message.sdps), strings(message.addresses),
    strings(message.remote), strings(message.remoteSdps),
  );
  count(sender, reply.filtered);
  return reply;
}

// ---------------------------------------------------------------- Firefox: local core in the frame
export const PAGE_PORT = 'iceveil-page';
const PAGE_STALE = 'iceveil.stale'; // to isolated.js in every frame that used WebRTC: settings changed
const CORE_GLUE = 'pkg/iceveil-isolated.js';
const CORE_WASM = 'pkg/iceveil_bg.wasm';
const ports = new Map(); // port -> the frame origin whose policy it gets (null until its hello)
let wasmBytes = null;

/**
 * A frame's isolated.js connects when the frame first constructs an RTCPeerConnection. On its
 * hello the frame gets the core (glue injected into its ISOLATED world, Wasm bytes posted) if it
 * asks, then its policy. `context()` resolves `{ wasm, settings }`.
 */
export function addPagePort(port, context) {
  ports.set(port, null);
  port.onDisconnect(() => ports.delete(port));
  port.onMessage(async (msg) => {
    if (msg?.type === 'count') {
      count(port.sender, msg.n);
      return;
    }
    if (msg?.type !== 'hello' || ports.get(port) !== null) return;
    try {
      await context(); // the core and the settings are ready before anything is injected
      const origin = senderOrigin(port.sender, msg.origin);
      ports.set(port, origin);
      const tabId = port.sender?.tab?.id;
      const frameId = port.sender?.frameId;
      if (msg.wantCore === true && Number.isInteger(tabId) && Number.isInteger(frameId)) {
        wasmBytes ??= api.fileBytes(CORE_WASM).catch((err) => {
          wasmBytes = null;
          throw err;
        });
        await api.injectFile(tabId, frameId, CORE_GLUE);
        port.post({ core: await wasmBytes });
      }
      // The policy as it is now (settings may have changed during the injection).
      port.post({ policy: (await context()).policy.forFrame(origin, topOrigin(port.sender)) });
    } catch (err) {
      console.warn('IceVeil: no local core for a frame; it asks the background instead', err);
    }
  });
}

/**
 * Settings are changing: every frame with a port (Firefox) stops judging locally until its new policy
 * arrives, and every page layer forgets the verdicts and filtered SDPs it holds (they were judged under
 * the old settings): one message to every frame, which only the isolated.js of a frame that used WebRTC
 * listens for, in both browsers.
 */
export function stalePagePolicies() {
  for (const port of ports.keys()) port.post({ stale: true });
  api.tellEveryFrame({ type: PAGE_STALE }).catch(() => {});
}

/** Sends every connected frame its policy under the current settings (`policy`: a core PagePolicy). */
export function pushPagePolicies(policy) {
  for (const [port, origin] of ports) {
    if (origin !== null) port.post({ policy: policy.forFrame(origin, topOrigin(port.sender)) });
  }
}

let disableKey = null; // what the open documents last heard: the mode was (not) disable, with these exceptions

/**
 * Keeps content/disable.js registered (MAIN world, document_start, all frames) exactly while the mode is
 * disable, except on the sites the exceptions name. When disable starts, ends, or its exceptions change,
 * every open frame asks its own mode again (isolated.js), so documents that were already open refuse new
 * connections under disable and allow them after, without a reload.
 */
export async function syncDisableScript(wasm, mode, exceptions) {
  const want = mode === 'disable';
  const excludes = want ? wasm.disableExcludes({ exceptions }) : [];
  const key = JSON.stringify([want, excludes]);
  const registered = await api.registeredScripts([DISABLE_SCRIPT_ID]);
  const have = registered.length > 0;
  const sameExcludes = have && JSON.stringify(registered[0].excludeMatches ?? []) === JSON.stringify(excludes);
  if (have && (!want || !sameExcludes)) await api.unregisterScripts([DISABLE_SCRIPT_ID]);
  if (want && !sameExcludes) {
    await api.registerMainWorldScript({ id: DISABLE_SCRIPT_ID, js: ['content/disable.js'], matches: ['<all_urls>'], excludeMatches: excludes });
  }
  const first = disableKey === null;
  if (key === disableKey) return;
  disableKey = key;
  // At a worker's start nothing changed unless the mode is disable (open documents may predate it).
  if (!first || want) await api.runInEveryFrame(RECHECK).catch(() => {});
}

/** Runs in every frame's ISOLATED world: isolated.js asks this frame's mode and tells main.js. */
function RECHECK() {
  if (typeof globalThis.iceveilRecheckMode === 'function') globalThis.iceveilRecheckMode();
}
