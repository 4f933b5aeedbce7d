// RTCIceTransport's synchronous getters (getLocalCandidates, getRemoteCandidates, getSelectedCandidatePair) and its selectedcandidatepairchange event: only judged candidates show; the event waits for the verdicts of the new pair, and a selected pair never reads as null: a candidate still unjudged or dropped shows scrubbed (no address).
// Touches raw data: yes (raw RTCIceCandidate objects; only judged or scrubbed ones leave).
import { ask, askNow, knownVerdict, rewritten, verdictAction } from './channel.js';
import { rewrittenCandidate } from './connection.js';
import { patchGetter, patchMethod } from './disguise.js';
import { ours } from './state.js';
import {
  addListener, apply, cat, construct, dataDesc, define, dispatch, each, isFunction, isObject, isString,
  isTrusted, mapDelete, mapGet, mapSet, newMap, newWeakSet, obj, ownData, splitOn, startsWith, stopImmediate,
  wsAdd, wsHas,
} from './toolkit.js';

const PAIR_CHANGE = 'selectedcandidatepairchange';

/** The raw candidate string of `c`, or null. */
function textOf(c, realm) {
  if (!c) return null;
  try {
    const t = apply(realm.candidateGet, c, []);
    return isString(t) ? t : null;
  } catch {
    return null;
  }
}

/** The verdict known for `text` (asking the core at once where it answers synchronously), else undefined (and asked about). */
function verdictSync(text) {
  if (knownVerdict(text) === undefined && askNow('extra', text) === undefined) ask('extra', text, () => {});
  return knownVerdict(text);
}

/** A candidate as the page may see it, from the verdicts already known; unknown ones are dropped (and asked about). */
function candidateSync(c, realm) {
  const text = textOf(c, realm);
  if (text === null) return null;
  const v = verdictSync(text);
  if (v === undefined) return null;
  const action = verdictAction(v);
  if (action === 'allow') return c;
  if (action === 'rewrite' && rewritten(v) !== null) return rewrittenCandidate(realm, c, rewritten(v), false);
  return null;
}

/**
 * The candidate `c` with no address: foundation, component, protocol, priority and type are kept, the address is
 * 0.0.0.0, the port 9, and raddr/rport go. For a selected pair whose candidate is unjudged or hidden (fail closed).
 */
function scrubbed(c, realm) {
  const text = textOf(c, realm);
  if (text === null) return null;
  if (!startsWith(text, 'candidate:')) return null;
  const t = splitOn(text, ' ');
  if (t.n < 8 || t[6] !== 'typ') return null;
  let s = cat(cat(cat(cat(t[0], ' '), t[1]), ' '), t[2]);
  s = cat(cat(cat(s, ' '), t[3]), ' 0.0.0.0 9 typ ');
  s = cat(s, t[7]);
  for (let i = 8; i + 1 < t.n; i += 2) {
    if (t[i] === 'tcptype') s = cat(cat(s, ' tcptype '), t[i + 1]);
  }
  try {
    const i = obj();
    i.candidate = s;
    i.sdpMid = apply(realm.sdpMidGet, c, []);
    i.sdpMLineIndex = apply(realm.sdpMLineIndexGet, c, []);
    if (i.sdpMid === null && i.sdpMLineIndex === null) i.sdpMLineIndex = 0;
    return construct(realm.IceCandidate, [i]);
  } catch {
    return null;
  }
}

/** A candidate of the selected pair: as judged, else scrubbed (never null while the browser has one). */
function pairCandidate(c, realm) {
  const seen = candidateSync(c, realm);
  return seen || scrubbed(c, realm);
}

export function patchTransports(win, realm) {
  const T = ownData(win, 'RTCIceTransport');
  if (!isFunction(T)) return;
  const tp = ownData(T, 'prototype');
  each(['getLocalCandidates', 'getRemoteCandidates'], (name) => {
    patchMethod(tp, name, (orig) => function () {
      const arr = apply(orig, this, arguments);
      if (!arr) return arr;
      const n = ownData(arr, 'length');
      let k = 0;
      for (let i = 0; i < n; i += 1) {
        const c = candidateSync(ownData(arr, i), realm);
        if (c) { define(arr, k, dataDesc(c, true, true, true)); k += 1; }
      }
      define(arr, 'length', dataDesc(k, true, false, false));
      return arr;
    });
  });
  let nativePair = null;
  patchMethod(tp, 'getSelectedCandidatePair', (orig) => {
    nativePair = orig;
    return function () {
      const pair = apply(orig, this, arguments);
      if (!pair) return pair;
      const local = pairCandidate(ownData(pair, 'local'), realm);
      const remote = pairCandidate(ownData(pair, 'remote'), realm);
      if (!local || !remote) return null;
      define(pair, 'local', dataDesc(local, true, true, true));
      define(pair, 'remote', dataDesc(remote, true, true, true));
      return pair;
    };
  });
  if (!isFunction(nativePair)) return;

  // selectedcandidatepairchange is held until the new pair's candidates are judged, so a handler that reads
  // the pair once finds the core's verdicts. Every transport the page reaches comes from
  // RTCDtlsTransport.iceTransport, so the hold is installed there, before the page can add a listener.
  const D = ownData(win, 'RTCDtlsTransport');
  const dp = isFunction(D) ? ownData(D, 'prototype') : null;
  if (!isObject(dp) || !isFunction(realm.Event)) return;
  const holding = newWeakSet();
  const hold = (t) => {
    if (!isObject(t) || wsHas(holding, t)) return;
    wsAdd(holding, t);
    const q = obj();
    q.map = newMap();
    q.head = 0;
    q.tail = 0;
    const flush = () => {
      for (;;) {
        const entry = mapGet(q.map, q.head);
        if (!entry || !entry.ready) return;
        mapDelete(q.map, q.head);
        q.head += 1;
        if (!entry.out) continue;
        wsAdd(ours, entry.out);
        try {
          dispatch(t, entry.out);
        } catch {
          // a throwing page listener is the page's business
        }
      }
    };
    addListener(t, PAIR_CHANGE, (e) => {
      if (wsHas(ours, e) || !isTrusted(e)) return;
      stopImmediate(e);
      const entry = obj();
      entry.ready = false;
      entry.out = null;
      mapSet(q.map, q.tail, entry);
      q.tail += 1;
      let left = 1;
      const done = () => {
        left -= 1;
        if (left) return;
        entry.ready = true;
        flush();
      };
      try {
        entry.out = construct(realm.Event, [PAIR_CHANGE]);
        const pair = apply(nativePair, t, []);
        each(['local', 'remote'], (side) => {
          const text = textOf(pair ? ownData(pair, side) : null, realm);
          if (text === null || knownVerdict(text) !== undefined) return;
          if (askNow('extra', text) !== undefined) return;
          left += 1;
          ask('extra', text, done);
        });
      } catch {
        // the event still goes out: the pair then reads scrubbed
      }
      done();
    }, true);
  };
  patchGetter(dp, 'iceTransport', (orig) => function () {
    const t = apply(orig, this, []);
    try {
      hold(t);
    } catch {
      // no hold: the pair still reads scrubbed until judged
    }
    return t;
  });
}
