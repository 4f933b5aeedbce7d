// The private channel between this MAIN-world layer and isolated.js: the handshake, verdict requests batched per task, replies, and the caches of verdicts, all judged by the Rust core on the other side.
// Touches raw data: yes (requests carry raw candidate strings and SDP; nothing here is ever handed to the page).
import {
  W, addListener, cat, createElement, customDetail, customEvent, dispatch, doc, isObject, isString,
  jsonParse, jsonStrings, later, cancel, list, microtask, mouseEvent, newMap, mapDelete, mapGet, mapHas, mapSet,
  obj, ownData, push, removeListener,
} from './toolkit.js';

const HOLD_MS = 3000;
// The hello is typed 'load': a Document does not pass a 'load' event on to its Window, so no listener that a
// page put on a reused Window (an iframe's initial about:blank, navigated same-origin) sees the channel node.
const HELLO = 'load';
// Before the hello, a plain event on this Window (no payload): isolated.js listens for it there and only then on the
// document, so a frame whose own instance never says hello (a covered realm) never has the isolated world build its
// document (about 15 KB of heap per frame in Chromium).
const KNOCK = 'iceveil:knock';
const ACK = 'iceveil:ack';
const REQ = 'iceveil:req';
const RES = 'iceveil:res';
const WARM = 'iceveil:warm'; // here -> isolated.js: the first RTCPeerConnection of this instance
const STALE = 'iceveil:stale'; // isolated.js -> here: settings changed, forget every verdict and filtered SDP
const SELFTEST = 'iceveil:selftest'; // isolated.js -> here, on the private node only
const SELFTEST_RES = 'iceveil:selftest-res';
const POLICY = 'iceveil:policy'; // isolated.js -> here: this frame's mode after a switch to or from disable (detail: the mode id)

let channel = null; // the detached node shared with isolated.js, or null (fail closed)
/** Whether a channel to the core exists (without one, everything is dropped). */
export const hasChannel = () => channel !== null;

// ------------------------------------------------------------------ verdict cache and settings epochs
let verdictCache = newMap(); // candidate string -> verdict (from a reply under the current settings)
let replyMode = null; // the mode of the last reply
/** Counts settings changes: what was judged under an older epoch is not kept. */
export let epoch = 0;
/** The settings changed (told by isolated.js, or seen in a reply's mode): forget what was judged before. */
function newEpoch() {
  epoch += 1;
  verdictCache = newMap();
}
export const knownVerdict = (text) => (mapHas(verdictCache, text) ? mapGet(verdictCache, text) : undefined);
/** The mode the core last answered under ('disable', 'hide-local', ...), or null. */
export const lastMode = () => replyMode;
let disabled = false; // the user switched to disable while this document was open (new documents lose the constructor instead)
/** Whether new connections must be refused: disable mode reached this open document. */
export const isDisabled = () => disabled;

// ------------------------------------------------------------------ handshake
let onSelfTest = null;
/** selftest.js registers the handler for self-test requests (they come only over the node). */
export function setSelfTestHandler(fn) { onSelfTest = fn; }

export function handshake() {
  try {
    const node = createElement(doc, 'span');
    let answered = false;
    const onAck = () => { answered = true; };
    addListener(node, ACK, onAck);
    dispatch(W, customEvent(KNOCK));
    dispatch(doc, mouseEvent(HELLO, node));
    removeListener(node, ACK, onAck);
    if (!answered) return;
    addListener(node, RES, onResponse);
    addListener(node, SELFTEST, (e) => { if (onSelfTest) onSelfTest(jsonParse(customDetail(e))); });
    addListener(node, STALE, newEpoch);
    addListener(node, POLICY, (e) => {
      const mode = customDetail(e);
      if (!isString(mode)) return;
      disabled = mode === 'disable';
      newEpoch();
    });
    channel = node;
  } catch {
    channel = null;
  }
}

let warmed = false;
/** Tells isolated.js, once, that this frame uses WebRTC, so it can get verdicts ready before the first candidate. */
export function warm() {
  if (warmed || !channel) return;
  warmed = true;
  try {
    dispatch(channel, customEvent(WARM));
  } catch {
    // no warm-up: requests still go the slow way
  }
}

/** Sends the self-test's result (a JSON string we built) back over the node. */
export function sendSelfTestResult(body) {
  try {
    if (channel) dispatch(channel, customEvent(SELFTEST_RES, body));
  } catch {
    // channel gone: isolated.js times out
  }
}

// ------------------------------------------------------------------ requests
let nextId = 1;
const waiting = newMap(); // request id -> { settle, timer }
let batch = null; // the request being filled during this task
const newBatch = () => {
  const b = obj();
  b.counted = list(); // from icecandidate events (they feed the toolbar badge)
  b.extra = list(); // from stats, transports and the self-test
  b.sdps = list();
  b.addresses = list();
  b.remote = list(); // remote candidates the page hands addIceCandidate
  b.remoteSdps = list(); // remote SDPs the page hands setRemoteDescription
  b.waiters = list();
  return b;
};
const waiter = (kind, index, cb) => {
  const w = obj();
  w.kind = kind;
  w.index = index;
  w.cb = cb;
  return w;
};

function onResponse(e) {
  const msg = jsonParse(customDetail(e));
  const id = ownData(msg, 'id');
  if (typeof id !== 'number' || !mapHas(waiting, id)) return;
  const w = mapGet(waiting, id);
  mapDelete(waiting, id);
  cancel(w.timer);
  const reply = ownData(msg, 'reply');
  w.settle(reply === undefined ? null : reply);
}

/**
 * Asks the core about one item: `kind` is 'counted' or 'extra' (a candidate string), 'sdps', 'addresses',
 * 'remote' (a remote candidate string: the reply item is true when the browser may have it) or 'remoteSdps'.
 * Items asked within one task share one request. `cb(reply item)` is called once, never inside the call:
 * with the verdict / `{sdp}` / hidden flag, or null (no channel, an error, or HOLD_MS passed).
 */
export function ask(kind, value, cb) {
  if (!channel || !isString(value)) { microtask(() => { cb(null); }); return; }
  if (!batch) {
    batch = newBatch();
    const b = batch;
    microtask(() => { batch = null; send(b); });
  }
  const l = batch[kind];
  const index = l.n;
  push(l, value);
  push(batch.waiters, waiter(kind, index, cb));
}

// Whether the last request was answered inside its own dispatchEvent: Firefox's isolated world judges
// with its local core synchronously once that core is ready. Then the synchronous getters ask the core
// when they read something not judged yet, and the event path need not filter SDP ahead of a read.
let syncReplies = false;
export const repliesSync = () => syncReplies;
export const PENDING = obj();

/**
 * One item asked on its own, for a synchronous getter: its reply item if the channel answered inside
 * the dispatch, else PENDING (the reply still fills the verdict cache when it comes, and goes to `after`).
 * Sends nothing and gives undefined unless the last request was answered synchronously.
 */
export function askNow(kind, value, after) {
  if (!channel || !syncReplies || !isString(value)) return undefined;
  const b = newBatch();
  push(b[kind], value);
  let inside = true;
  let now = PENDING;
  push(b.waiters, waiter(kind, 0, (r) => { if (inside) now = r; else if (after) after(r); }));
  send(b);
  inside = false;
  return now;
}

const isError = (reply) => !isObject(reply) || ownData(reply, 'error') !== undefined;

function send(b) {
  const id = nextId;
  nextId += 1;
  let judged = false; // a reply without error came
  const sentIn = epoch;
  const settle = (reply) => {
    judged = !isError(reply);
    let fresh = sentIn === epoch;
    let keepSdps = true;
    const mode = judged ? ownData(reply, 'mode') : undefined;
    if (isString(mode) && mode !== replyMode) {
      if (replyMode !== null) newEpoch();
      replyMode = mode;
      fresh = true;
    } else if (!fresh && judged) {
      // Asked before the settings changed and judged under the same mode: maybe under the old
      // settings. Its verdicts deliver what was asked, but its SDPs are not kept (the next read asks again).
      keepSdps = false;
    }
    for (let i = 0; i < b.waiters.n; i += 1) {
      const w = b.waiters[i];
      let r = null;
      // SDPs and remote verdicts from before a settings change are not used (a remote candidate is then refused).
      if (judged && ((w.kind !== 'sdps' && w.kind !== 'remote' && w.kind !== 'remoteSdps') || keepSdps)) {
        const arr = ownData(reply, w.kind === 'counted' ? 'verdicts' : w.kind);
        const item = ownData(arr, w.index);
        r = item === undefined ? null : item;
        if ((w.kind === 'counted' || w.kind === 'extra') && isObject(r) && fresh) mapSet(verdictCache, b[w.kind][w.index], r);
      }
      try {
        w.cb(r);
      } catch {
        // one caller's failure does not keep the others waiting
      }
    }
  };
  const timer = later(() => {
    mapDelete(waiting, id);
    settle(null);
  }, HOLD_MS);
  const entry = obj();
  entry.settle = settle;
  entry.timer = timer;
  mapSet(waiting, id, entry);
  // The origin is not ours to say: isolated.js (which the page cannot reach) names it.
  let body = cat('{"id":', id);
  body = cat(cat(body, ',"candidates":'), jsonStrings(b.counted));
  body = cat(cat(body, ',"extra":'), jsonStrings(b.extra));
  body = cat(cat(body, ',"sdps":'), jsonStrings(b.sdps));
  body = cat(cat(body, ',"addresses":'), jsonStrings(b.addresses));
  body = cat(cat(body, ',"remote":'), jsonStrings(b.remote));
  body = cat(cat(cat(body, ',"remoteSdps":'), jsonStrings(b.remoteSdps)), '}');
  try {
    dispatch(channel, customEvent(REQ, body));
    syncReplies = judged && !mapHas(waiting, id);
  } catch {
    syncReplies = false;
    mapDelete(waiting, id);
    cancel(timer);
    settle(null);
  }
}

// ------------------------------------------------------------------ reading verdicts (objects from the core's JSON)
/** 'allow', 'rewrite' or 'drop' (anything unreadable is a drop). */
export function verdictAction(v) {
  const a = ownData(v, 'action');
  return a === 'allow' || a === 'rewrite' ? a : 'drop';
}
/** The rewritten candidate of a 'rewrite' verdict, or null. */
export function rewritten(v) {
  const c = ownData(v, 'candidate');
  return isString(c) ? c : null;
}
/** The filtered SDP of an SDP reply, or null. */
export function replySdp(f) {
  const s = ownData(f, 'sdp');
  return isString(s) ? s : null;
}
