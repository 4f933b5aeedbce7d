// Installs the page layer into a realm: takes that realm's natives before any page code can reach it, wraps its RTCPeerConnection constructor and every surface that shows an address, and hooks its frames.
// Touches raw data: no (it wires the modules that do).
import { isDisabled, warm } from './channel.js';
import { patchHandlers, track } from './connection.js';
import { patchDescriptions } from './descriptions.js';
import { disguise, hideToString, patchGetter } from './disguise.js';
import { childStarted, hookFrames } from './frames.js';
import { patchRemote } from './remote.js';
import { patchStats } from './stats.js';
import { covered, pcs } from './state.js';
import { patchTransports } from './transports.js';
import {
  W, accessorDesc, apply, construct, dataDesc, define, doc, documentURL, each, fnSource, getProto, getterOf, hasOwn, indexOf, isFunction, obj,
  ownData, ownDesc, ownGetter, ownKeys, setProto, wmGet, wsAdd, wsHas,
} from './toolkit.js';

let selfTestCtor = null; // { Wrapper, realm } of this window: what the popup self-test gathers through
export const selfTestConstructor = () => selfTestCtor;

function isNativeFn(f) {
  const s = fnSource(f);
  return s !== null && indexOf(s, '[native code]') >= 0;
}

/**
 * The name of the accessor that tells a later IceVeil instance in the same realm (a reused Window: an initial
 * about:blank navigated same-origin) that this instance covers it. build.sh puts the check in front of the bundle,
 * so that instance reads it with nothing but a global identifier, before it takes a single built-in: its realm was
 * reachable by the page before its document started. Why no page can forge or strip it: docs/page-layer.md,
 * "One wrap per realm".
 */
export const MARK = '__iceveilCovered';

/**
 * Non-configurable, so no page can delete, redefine or shadow it (a global `let` of that name is then a SyntaxError).
 * Its getter, this instance's, starts watching the realm's new document (its parser's frames) and answers true.
 */
function markCovered(win) {
  try {
    define(win, MARK, accessorDesc(getterOf(() => { childStarted(win); return true; }), undefined, false, false));
  } catch {
    // not definable: a later instance in this realm wraps it again, on top (the inner wrap still filters)
  }
}

/** Wraps `win` (this window, or a same-origin child realm reached before any page code could touch it). */
export function install(win) {
  const F = ownData(win, 'Function');
  if (!F || wsHas(covered, F)) return;
  wsAdd(covered, F);
  const native = ownData(win, 'RTCPeerConnection');
  // A realm whose own content script already ran (or the page replaced the constructor) is left alone.
  if (isFunction(native) && !isNativeFn(native)) return;
  // Only a realm that can get a second document (a child's, or an initial about:blank) needs the mark.
  if (win !== W || documentURL(doc) === 'about:blank') markCovered(win);
  if (win !== W && !hasOwn(W, 'RTCPeerConnection')) {
    // disable mode removed the constructors here (content/disable.js): a child realm mirrors that.
    each(['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCDataChannel'], (name) => {
      try { delete win[name]; } catch { /* not configurable: the core still drops everything */ }
    });
  }
  hideToString(win);
  if (isFunction(native) && hasOwn(win, 'RTCPeerConnection')) wrapRtc(win, native);
  hookFrames(win);
}

// The brand-checked natives a realm's connections are read through (getters, and RTCStatsReport's forEach).
const READERS = ['iceEventCandidateGet', 'errAddressGet', 'errPortGet', 'errUrlGet', 'errCodeGet', 'errTextGet', 'candidateGet',
  'sdpMidGet', 'sdpMLineIndexGet', 'ufragGet', 'sdpGet', 'typeGet', 'localDescriptionGet', 'gatheringGet', 'statsForEach'];

/**
 * The natives of one realm, taken while no page code can have reached it. A child realm's connections are read
 * through this window's readers, taken at its document_start: a native getter or method checks the interface of
 * its receiver, not its realm, so it reads the same child objects, and the child's prototypes are left as the
 * browser made them (reading their accessors would make the browser build every one of them, in every frame).
 * The constructors are the child's own: what the page gets must belong to its realm.
 */
function realmOf(win) {
  const proto = (name) => { const C = ownData(win, name); return isFunction(C) ? ownData(C, 'prototype') : undefined; };
  const r = obj();
  r.Event = ownData(win, 'Event');
  r.TypeError = ownData(win, 'TypeError');
  r.DOMException = ownData(win, 'DOMException');
  r.IceEvent = ownData(win, 'RTCPeerConnectionIceEvent');
  r.IceErrorEvent = ownData(win, 'RTCPeerConnectionIceErrorEvent');
  r.IceCandidate = ownData(win, 'RTCIceCandidate');
  r.SessionDescription = ownData(win, 'RTCSessionDescription');
  const base = win === W || selfTestCtor === null ? null : selfTestCtor.realm;
  if (base !== null) {
    each(READERS, (k) => { r[k] = base[k]; });
    return r;
  }
  const g = (p, name) => (p ? ownGetter(p, name) : undefined);
  const m = (p, name) => (p ? ownData(p, name) : undefined);
  const pcProto = proto('RTCPeerConnection');
  const iceEvent = proto('RTCPeerConnectionIceEvent');
  const errEvent = proto('RTCPeerConnectionIceErrorEvent');
  const cand = proto('RTCIceCandidate');
  const desc = proto('RTCSessionDescription');
  const report = proto('RTCStatsReport');
  r.iceEventCandidateGet = g(iceEvent, 'candidate');
  r.errAddressGet = g(errEvent, 'address');
  r.errPortGet = g(errEvent, 'port');
  r.errUrlGet = g(errEvent, 'url');
  r.errCodeGet = g(errEvent, 'errorCode');
  r.errTextGet = g(errEvent, 'errorText');
  r.candidateGet = g(cand, 'candidate');
  r.sdpMidGet = g(cand, 'sdpMid');
  r.sdpMLineIndexGet = g(cand, 'sdpMLineIndex');
  r.ufragGet = g(cand, 'usernameFragment');
  r.sdpGet = g(desc, 'sdp');
  r.typeGet = g(desc, 'type');
  r.localDescriptionGet = g(pcProto, 'localDescription');
  r.gatheringGet = g(pcProto, 'iceGatheringState');
  r.statsForEach = m(report, 'forEach');
  // Natives for the popup self-test's own connection (taken before the page or this layer patches them).
  r.setLocalDescription = m(pcProto, 'setLocalDescription');
  r.createDataChannel = m(pcProto, 'createDataChannel');
  r.close = m(pcProto, 'close');
  return r;
}

function wrapRtc(win, Native) {
  const realm = realmOf(win);
  const proto = ownData(Native, 'prototype');
  const Wrapper = function RTCPeerConnection() {
    if (new.target === undefined) return apply(Native, this, arguments);
    // Disable mode reached this open document: no new connection, as if WebRTC were switched off.
    if (isDisabled()) throw construct(realm.DOMException, ['WebRTC is disabled by IceVeil', 'NotSupportedError']);
    const pc = construct(Native, arguments, new.target === Wrapper ? Native : new.target);
    track(pc, realm);
    warm();
    return pc;
  };
  disguise(Wrapper, Native);
  define(Wrapper, 'prototype', dataDesc(proto, false, false, false));
  setProto(Wrapper, getProto(Native));
  const statics = ownKeys(Native);
  const n = ownData(statics, 'length');
  for (let i = 0; i < n; i += 1) {
    const k = ownData(statics, i);
    if (k === 'length' || k === 'name' || k === 'prototype' || k === 'arguments' || k === 'caller') continue;
    define(Wrapper, k, ownDesc(Native, k));
  }
  const cd = ownDesc(proto, 'constructor');
  define(proto, 'constructor', dataDesc(Wrapper, cd.writable, cd.enumerable, cd.configurable));
  each(['RTCPeerConnection', 'webkitRTCPeerConnection'], (name) => {
    const d = ownDesc(win, name);
    if (d !== null && d.value === Native) define(win, name, dataDesc(Wrapper, d.writable, d.enumerable, d.configurable));
  });

  if (win === W) {
    selfTestCtor = obj();
    selfTestCtor.Wrapper = Wrapper;
    selfTestCtor.realm = realm;
  }

  patchHandlers(proto);
  patchDescriptions(proto, realm);
  patchRemote(proto, realm);
  patchGetter(proto, 'iceGatheringState', (orig) => function () {
    const state = apply(orig, this, []);
    const st = wmGet(pcs, this);
    return st && st.live ? st.gathering : state; // not live: `orig` is an inner instance's getter, which knows
  });
  patchStats(win, proto, realm);
  patchTransports(win, realm);
}
