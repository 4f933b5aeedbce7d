// Remote candidates: addIceCandidate and setRemoteDescription hand the browser only the remote candidates the core allows (src/remote.rs), so a page cannot probe the user's LAN, or find the hidden local address, with fabricated remote candidates.
// Touches raw data: no (what passes through is the page's own input; what must not reach the page is the browser's reaction to refused candidates). The page's input is read once, into our own copy, so no getter can show the core one value and the browser another.
import { ask, askNow, PENDING } from './channel.js';
import { patchMethod } from './disguise.js';
import { sdpWithoutCandidates } from './sdp.js';
import {
  apply, construct, indexOf, isFunction, isObject, isString, list, newPromise, newWeakMap, obj, ownData,
  push, settle, wmGet, wmSet,
} from './toolkit.js';

// Per connection: the remote operations (and the local ones the page issued after them) waiting for a
// verdict, in the page's order. The browser runs a connection's operations in the order they are
// called, so each waits here until everything the page called before it has been handed to the browser.
const chains = newWeakMap(); // RTCPeerConnection -> { ops: list, head }

function chainOf(pc) {
  let c = wmGet(chains, pc);
  if (!c) {
    c = obj();
    c.ops = list();
    c.head = 0;
    wmSet(chains, pc, c);
  }
  return c;
}

/** Whether nothing of `pc` waits for a verdict. */
function idle(pc) {
  const c = wmGet(chains, pc);
  return !c || c.head === c.ops.n;
}

/** Queues an operation that is ready when `op.ready` is set and `flush` is called. */
function enqueue(pc) {
  const c = chainOf(pc);
  const op = obj();
  op.ready = false;
  op.run = null;
  push(c.ops, op);
  return op;
}

/** Runs `fn()` now if nothing of `pc` waits for a verdict, else after everything that does. */
export function inOrder(pc, fn) {
  if (idle(pc)) { fn(); return; }
  const op = enqueue(pc);
  op.run = fn;
  op.ready = true;
}

function flush(pc) {
  const c = wmGet(chains, pc);
  if (!c) return;
  while (c.head < c.ops.n && c.ops[c.head].ready) {
    const op = c.ops[c.head];
    c.ops[c.head] = null;
    c.head += 1;
    try {
      op.run();
    } catch {
      // each operation settles its own promise
    }
  }
  if (c.head === c.ops.n) {
    c.ops = list();
    c.head = 0;
  }
}

/**
 * Queues `pc`'s next operation behind the core's verdict on `value`; `then(reply item)` returns the function
 * that runs it. The verdict comes synchronously where the channel answers inside the dispatch (Firefox).
 */
function afterVerdict(pc, kind, value, then) {
  const op = enqueue(pc);
  const settled = (reply) => {
    op.run = then(reply);
    op.ready = true;
    flush(pc);
  };
  const now = askNow(kind, value, settled); // a late reply to a synchronous ask goes to `settled` too
  if (now === undefined) ask(kind, value, settled);
  else if (now !== PENDING) settled(now);
}

/** The page's candidate argument as our own init: null for "end of candidates", undefined when unreadable. */
function candidateInit(realm, c) {
  if (c === undefined || c === null) return null;
  if (!isObject(c)) return undefined;
  const i = obj();
  let text;
  try {
    text = apply(realm.candidateGet, c, []); // an RTCIceCandidate: its own (immutable) fields
    i.sdpMid = apply(realm.sdpMidGet, c, []);
    i.sdpMLineIndex = apply(realm.sdpMLineIndexGet, c, []);
    if (realm.ufragGet) i.usernameFragment = apply(realm.ufragGet, c, []);
  } catch {
    text = ownData(c, 'candidate'); // an RTCIceCandidateInit: own data fields only, read once
    const mid = ownData(c, 'sdpMid');
    const index = ownData(c, 'sdpMLineIndex');
    const ufrag = ownData(c, 'usernameFragment');
    if (isString(mid) || mid === null) i.sdpMid = mid;
    if (typeof index === 'number' || index === null) i.sdpMLineIndex = index;
    if (isString(ufrag) || ufrag === null) i.usernameFragment = ufrag;
  }
  if (text === undefined) text = '';
  if (!isString(text)) return undefined;
  i.candidate = text;
  return i;
}

/** The page's description argument as our own init, or undefined when unreadable. */
function descriptionInit(realm, d) {
  if (!isObject(d)) return undefined;
  const i = obj();
  try {
    i.type = apply(realm.typeGet, d, []);
    i.sdp = apply(realm.sdpGet, d, []);
  } catch {
    const type = ownData(d, 'type');
    const sdp = ownData(d, 'sdp');
    if (isString(type)) i.type = type;
    if (isString(sdp)) i.sdp = sdp;
  }
  return i;
}

/** Calls the native operation and settles the page's promise (and legacy callbacks) with nothing but its outcome. */
function callNative(pc, orig, args, resolve, reject) {
  try {
    const p = apply(orig, pc, args);
    if (!settle(p, () => { resolve(undefined); }, (err) => { reject(err); })) resolve(undefined);
  } catch (err) {
    reject(err);
  }
}

/** `{resolve, reject}` for the page: its promise, and the legacy success / failure callbacks if it passed them. */
function outcome(a, promiseResolve, promiseReject) {
  const o = obj();
  const ok = ownData(a, 1);
  const fail = ownData(a, 2);
  if (!isFunction(ok)) {
    o.resolve = promiseResolve;
    o.reject = promiseReject;
    return o;
  }
  o.resolve = () => { promiseResolve(undefined); apply(ok, undefined, []); };
  o.reject = (e) => { promiseResolve(undefined); if (isFunction(fail)) apply(fail, undefined, [e]); };
  return o;
}

/**
 * Wraps proto[name](arg, success?, failure?): `read(arg)` gives our copy of the page's argument (undefined:
 * unreadable, a TypeError `unreadable`), and `run(pc, orig, init, o)` hands it on, settling `o`.
 */
function patchRemoteOp(proto, realm, name, read, unreadable, run) {
  patchMethod(proto, name, (orig) => function () {
    const pc = this;
    const a = arguments;
    const init = read(realm, ownData(a, 0));
    return newPromise((res, rej) => {
      const o = outcome(a, res, rej);
      if (init === undefined) { o.reject(construct(realm.TypeError, [unreadable])); return; }
      run(pc, orig, init, o);
    });
  });
}

export function patchRemote(proto, realm) {
  patchRemoteOp(proto, realm, 'addIceCandidate', candidateInit, 'addIceCandidate: the candidate could not be read', (pc, orig, init, o) => {
    const args = init === null ? [] : [init];
    const call = () => { callNative(pc, orig, args, o.resolve, o.reject); };
    if (init === null || init.candidate === '') { inOrder(pc, call); return; }
    // Refused (or no verdict): the browser never gets it, and the page learns nothing from the outcome.
    afterVerdict(pc, 'remote', init.candidate, (allowed) => (allowed === true ? call : () => { o.resolve(undefined); }));
  });

  patchRemoteOp(proto, realm, 'setRemoteDescription', descriptionInit, 'setRemoteDescription: the description could not be read', (pc, orig, init, o) => {
    const call = () => { callNative(pc, orig, [init], o.resolve, o.reject); };
    const sdp = init.sdp;
    if (!isString(sdp) || indexOf(sdp, 'a=candidate') < 0) { inOrder(pc, call); return; }
    afterVerdict(pc, 'remoteSdps', sdp, (f) => {
      const s = ownData(f, 'sdp');
      // No verdict: the description without any candidate (trickled ones are judged one by one).
      init.sdp = isString(s) ? s : sdpWithoutCandidates(sdp);
      return call;
    });
  });

  // Local operations the page called after a waiting remote one wait for it too, as the browser's own
  // operation chain would make them.
  patchMethod(proto, 'setLocalDescription', (orig) => function () {
    const pc = this;
    const a = arguments;
    if (idle(pc)) return apply(orig, pc, a);
    return newPromise((resolve, reject) => {
      inOrder(pc, () => { callNative(pc, orig, a, resolve, reject); });
    });
  });
}
