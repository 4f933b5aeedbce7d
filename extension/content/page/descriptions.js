// Local descriptions: the localDescription / currentLocalDescription / pendingLocalDescription getters and createOffer / createAnswer results show only the core's filtered SDP (or, until one exists, the SDP without any candidate).
// Touches raw data: yes (native SDP text; only filtered copies leave).
import { PENDING, ask, askNow, epoch, replySdp, repliesSync } from './channel.js';
import { patchGetter, patchMethod } from './disguise.js';
import { inOrder } from './remote.js';
import { sdpWithoutCandidates } from './sdp.js';
import { pcs } from './state.js';
import {
  apply, construct, dataDesc, define, each, indexOf, isFunction, isString, mapGet, mapHas, mapSet,
  mapSize, newMap, newPromise, obj, ownData, ownKeys, settle, wmGet,
} from './toolkit.js';

/** Forgets this connection's filtered SDPs if the settings changed since they were judged. */
function sdpsOfThisMode(st) {
  if (st.sdpEpoch === epoch) return;
  st.sdpEpoch = epoch;
  st.sdpByNative = newMap();
  st.lastNative = null;
  st.lastKey = null;
  st.lastFiltered = null;
}

export function rememberSdp(st, native, filtered) {
  if (!isString(native) || !isString(filtered)) return;
  sdpsOfThisMode(st);
  if (mapSize(st.sdpByNative) > 32) st.sdpByNative = newMap();
  mapSet(st.sdpByNative, native, filtered);
  if (st.lastNative !== native) {
    st.lastNative = native;
    st.lastKey = null;
  }
  st.lastFiltered = filtered;
}

/** The core's copy of `native` for this connection under the current settings, or undefined. */
function knownSdp(st, native) {
  sdpsOfThisMode(st);
  return mapHas(st.sdpByNative, native) ? mapGet(st.sdpByNative, native) : undefined;
}

/** The last filtered SDP's native text without candidates: what a newer native SDP of the same session matches. */
function sessionKey(st) {
  if (st.lastKey === null && st.lastNative !== null) st.lastKey = sdpWithoutCandidates(st.lastNative);
  return st.lastKey;
}

export function nativeLocalSdp(pc, st) {
  try {
    const d = apply(st.realm.localDescriptionGet, pc, []);
    return d ? apply(st.realm.sdpGet, d, []) : null;
  } catch {
    return null;
  }
}

/** For the end of gathering (asynchronous channel): the filtered SDP of that moment, asked ahead of the page's read. */
export function withSdp(pc, st, entry, done) {
  if (repliesSync()) { done(); return; } // the getters ask the core when the page reads
  entry.nativeSdp = nativeLocalSdp(pc, st);
  if (!entry.nativeSdp) { done(); return; }
  // The end of gathering usually finds the SDP the last candidate already had filtered: no request.
  const known = knownSdp(st, entry.nativeSdp);
  if (known !== undefined) {
    entry.filteredSdp = known;
    entry.sdpEpoch = epoch;
    done();
    return;
  }
  ask('sdps', entry.nativeSdp, (f) => {
    entry.filteredSdp = replySdp(f);
    entry.sdpEpoch = epoch;
    done();
  });
}

function descriptionInit(type, sdp) {
  const i = obj();
  i.type = type;
  i.sdp = sdp;
  return i;
}

function filteredDescription(pc, d, realm) {
  const sdp = apply(realm.sdpGet, d, []);
  const type = apply(realm.typeGet, d, []);
  const st = wmGet(pcs, pc);
  let out;
  if (st) {
    out = knownSdp(st, sdp);
    if (out === undefined) {
      // Not filtered yet: a synchronous channel answers now; else the next read gets the core's copy.
      const keep = (f) => { const s = replySdp(f); if (s !== null) rememberSdp(st, sdp, s); };
      const now = askNow('sdps', sdp, keep);
      if (now === undefined) ask('sdps', sdp, keep);
      else if (now !== PENDING && replySdp(now) !== null) {
        keep(now);
        out = replySdp(now);
      }
      // Meanwhile: an older filtered SDP of the same session, else no candidate at all (below).
      if (out === undefined && st.lastFiltered !== null && sessionKey(st) === sdpWithoutCandidates(sdp)) out = st.lastFiltered;
    }
  }
  if (out === undefined) out = sdpWithoutCandidates(sdp);
  if (out === sdp) return d;
  return construct(realm.SessionDescription, [descriptionInit(type, out)]);
}

/** What the page gets for a created description: the same kind of object the browser gave (`from`), with `sdp`. */
function madeDescription(realm, from, plain, type, sdp) {
  if (!plain) return construct(realm.SessionDescription, [descriptionInit(type, sdp)]);
  // A plain object, its own fields in the browser's order (Chromium: sdp, type; Firefox: type, sdp).
  const o = {};
  const keys = ownKeys(from);
  const n = ownData(keys, 'length');
  for (let i = 0; i < n; i += 1) {
    const k = ownData(keys, i);
    const v = k === 'sdp' ? sdp : ownData(from, k);
    if (v !== undefined) define(o, k, dataDesc(v, true, true, true));
  }
  return o;
}

const noop = () => {};

/**
 * Runs the native createOffer/createAnswer in its legacy callback form, so the browser hands us the
 * description as a callback argument instead of resolving a promise with it (resolving would look up
 * `then` on the raw description, where a page getter could read it). `done(description)` gets what the
 * page may see: unchanged unless it carries candidates, else the core's copy (or none of them).
 */
function createFiltered(pc, orig, options, realm, done, fail) {
  const onDescription = (d) => {
    try {
      let plain = false;
      let sdp;
      let type;
      try {
        sdp = apply(realm.sdpGet, d, []);
        type = apply(realm.typeGet, d, []);
      } catch {
        plain = true; // a plain RTCSessionDescriptionInit
        sdp = ownData(d, 'sdp');
        type = ownData(d, 'type');
      }
      if (!isString(sdp)) { fail(construct(realm.TypeError, ['createOffer: no description'])); return; }
      if (indexOf(sdp, 'a=candidate') < 0) { done(madeDescription(realm, d, plain, type, sdp)); return; }
      ask('sdps', sdp, (f) => {
        const s = replySdp(f);
        done(madeDescription(realm, d, plain, type, s !== null ? s : sdpWithoutCandidates(sdp)));
      });
    } catch (err) {
      fail(err);
    }
  };
  // After any remote operation the page called first and that still waits for its verdict (remote.js).
  inOrder(pc, () => {
    try {
      const p = apply(orig, pc, [onDescription, fail, options]);
      settle(p, noop, noop);
    } catch (err) {
      fail(err);
    }
  });
}

export function patchDescriptions(proto, realm) {
  each(['localDescription', 'currentLocalDescription', 'pendingLocalDescription'], (name) => {
    patchGetter(proto, name, (orig) => function () {
      const d = apply(orig, this, []);
      if (!d) return d;
      return filteredDescription(this, d, realm);
    });
  });
  each(['createOffer', 'createAnswer'], (name) => {
    patchMethod(proto, name, (orig) => function () {
      const a = arguments;
      const pc = this;
      const first = ownData(a, 0);
      if (isFunction(first)) {
        // Legacy callback form: the page's callbacks get the filtered description.
        const ok = first;
        const failCb = ownData(a, 1);
        return newPromise((resolve) => {
          createFiltered(pc, orig, ownData(a, 2), realm, (d) => { resolve(undefined); apply(ok, undefined, [d]); },
            (e) => { resolve(undefined); if (isFunction(failCb)) apply(failCb, undefined, [e]); });
        });
      }
      return newPromise((resolve, reject) => { createFiltered(pc, orig, first, realm, resolve, reject); });
    });
  });
}
