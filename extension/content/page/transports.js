// RTCIceTransport's synchronous getters (getLocalCandidates, getRemoteCandidates, getSelectedCandidatePair): only candidates with a known verdict show; unknown ones are dropped and asked about (Firefox: asked at once where the channel answers synchronously).
// Touches raw data: yes (raw RTCIceCandidate objects; only judged ones leave).
import { ask, askNow, knownVerdict, rewritten, verdictAction } from './channel.js';
import { rewrittenCandidate } from './connection.js';
import { patchMethod } from './disguise.js';
import { apply, dataDesc, define, each, isFunction, method, ownData } from './toolkit.js';

/** A candidate as the page may see it, from the verdicts already known; unknown ones are dropped (and asked about). */
function candidateSync(c, realm) {
  if (!c) return null;
  let text;
  try {
    text = apply(realm.candidateGet, c, []);
  } catch {
    return null;
  }
  if (knownVerdict(text) === undefined && askNow('extra', text) === undefined) ask('extra', text, () => {});
  const v = knownVerdict(text);
  if (v === undefined) return null;
  const action = verdictAction(v);
  if (action === 'allow') return c;
  if (action === 'rewrite' && rewritten(v) !== null) return rewrittenCandidate(realm, c, rewritten(v), false);
  return null;
}

export function patchTransports(win, realm) {
  const T = ownData(win, 'RTCIceTransport');
  if (!isFunction(T)) return;
  const tp = ownData(T, 'prototype');
  each(['getLocalCandidates', 'getRemoteCandidates'], (name) => {
    patchMethod(tp, name, (orig) => method(function () {
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
    }));
  });
  patchMethod(tp, 'getSelectedCandidatePair', (orig) => method(function () {
    const pair = apply(orig, this, arguments);
    if (!pair) return pair;
    const local = candidateSync(ownData(pair, 'local'), realm);
    const remote = candidateSync(ownData(pair, 'remote'), realm);
    if (!local || !remote) return null;
    define(pair, 'local', dataDesc(local, true, true, true));
    define(pair, 'remote', dataDesc(remote, true, true, true));
    return pair;
  }));
}
