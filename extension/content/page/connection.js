// Per-connection event queue: the browser's own icecandidate, icegatheringstatechange and icecandidateerror events are held, judged by the core and re-dispatched in order (allowed, rewritten or dropped), and the on<event> handler properties that must see the re-dispatched events.
// Touches raw data: yes (trusted events and the raw candidates they carry; only judged copies leave).
import { ask, epoch, rewritten, replySdp, repliesSync, verdictAction } from './channel.js';
import { nativeLocalSdp, rememberSdp, withSdp } from './descriptions.js';
import { getterLike, setterLike } from './disguise.js';
import { ours, pcs } from './state.js';
import {
  accessorDesc, addListener, apply, construct, define, dispatch, isFunction, isObject, isTrusted,
  mapDelete, mapGet, mapSet, newMap, obj, ownDesc, preventDefault, removeListener, stopImmediate,
  wmGet, wmSet, wsAdd, wsHas, each, cat,
} from './toolkit.js';

const HELD = ['icecandidate', 'icegatheringstatechange', 'icecandidateerror'];

/** Starts tracking a connection this instance constructed: its native events are held from now on. */
export function track(pc, realm) {
  const st = obj();
  st.realm = realm;
  st.queue = newMap(); // seq -> entry, delivered in order
  st.head = 0;
  st.tail = 0;
  st.gathering = 'new';
  st.sdpByNative = newMap(); // native local SDP -> core-filtered SDP (of `sdpEpoch`)
  st.sdpEpoch = epoch;
  st.lastNative = null; // the native SDP of lastFiltered
  st.lastKey = null; // lastNative without candidates, computed at the first getter miss (off the event path)
  st.lastFiltered = null;
  st.handlers = obj(); // event type -> { h: the page's on<type> handler, l: our listener that calls it }
  st.quiet = false; // the popup self-test's own connection: its candidates do not feed the badge
  st.live = false; // this instance has held a browser event of this connection (else an inner instance does)
  wmSet(pcs, pc, st);
  // Only the browser's own (trusted) events are held. An untrusted one was dispatched by script: by
  // this layer, by another IceVeil instance that already filtered it (a realm wrapped twice), or by the
  // page, which then knows its content already. Holding those too made two instances re-dispatch each
  // other's events forever. The type comes from the listener, never from the event's (page-patchable) getter.
  each(HELD, (type) => {
    addListener(pc, type, (e) => {
      if (wsHas(ours, e) || !isTrusted(e)) return;
      st.live = true;
      stopImmediate(e);
      enqueue(pc, st, e, type);
    }, true);
  });
  return st;
}

function init1(k, v) {
  const o = obj();
  o[k] = v;
  return o;
}

/** The rewritten RTCIceCandidate for `text`, with the native candidate's mid, index and ufrag. */
export function rewrittenCandidate(realm, cand, text, withUfrag) {
  const i = obj();
  i.candidate = text;
  i.sdpMid = apply(realm.sdpMidGet, cand, []);
  i.sdpMLineIndex = apply(realm.sdpMLineIndexGet, cand, []);
  if (withUfrag && realm.ufragGet) i.usernameFragment = apply(realm.ufragGet, cand, []);
  return construct(realm.IceCandidate, [i]);
}

function enqueue(pc, st, e, type) {
  const realm = st.realm;
  const seq = st.tail;
  st.tail += 1;
  const entry = obj();
  entry.ready = false;
  entry.out = null;
  entry.state = null;
  entry.nativeSdp = null;
  entry.filteredSdp = null;
  entry.sdpEpoch = -1;
  mapSet(st.queue, seq, entry);
  const done = () => { entry.ready = true; flush(pc, st); };
  try {
    if (type === 'icegatheringstatechange') {
      entry.state = apply(realm.gatheringGet, pc, []);
      entry.out = construct(realm.Event, ['icegatheringstatechange']);
      if (entry.state !== 'complete') { done(); return; }
      withSdp(pc, st, entry, done);
      return;
    }
    if (type === 'icecandidateerror') {
      if (!isFunction(realm.IceErrorEvent)) { done(); return; }
      const i = obj();
      i.address = apply(realm.errAddressGet, e, []);
      i.port = apply(realm.errPortGet, e, []);
      i.url = apply(realm.errUrlGet, e, []);
      i.errorCode = apply(realm.errCodeGet, e, []);
      i.errorText = apply(realm.errTextGet, e, []);
      if (typeof i.address !== 'string' || i.address === '') {
        i.address = null;
        i.port = null;
        entry.out = construct(realm.IceErrorEvent, ['icecandidateerror', i]);
        done();
        return;
      }
      ask('addresses', i.address, (hidden) => {
        try {
          if (hidden !== false) { i.address = null; i.port = null; }
          entry.out = construct(realm.IceErrorEvent, ['icecandidateerror', i]);
        } catch {
          entry.out = null;
        }
        done();
      });
      return;
    }
    const cand = apply(realm.iceEventCandidateGet, e, []);
    const text = cand ? apply(realm.candidateGet, cand, []) : null;
    if (!cand || text === '') {
      // End of candidates (null, or Firefox's empty string): after everything held, with a filtered SDP.
      entry.out = construct(realm.IceEvent, ['icecandidate', init1('candidate', cand)]);
      withSdp(pc, st, entry, done);
      return;
    }
    // A channel that answers synchronously filters the SDP when the page reads it; otherwise it is
    // filtered now, so that a read in the page's handler finds the core's copy.
    entry.nativeSdp = repliesSync() ? null : nativeLocalSdp(pc, st);
    let v = null;
    let f = null;
    let left = entry.nativeSdp ? 2 : 1;
    const judged = () => {
      left -= 1;
      if (left) return;
      try {
        entry.filteredSdp = replySdp(f);
        entry.sdpEpoch = epoch;
        const action = verdictAction(v);
        let out = null;
        if (action === 'allow') out = cand;
        else if (action === 'rewrite' && rewritten(v) !== null) out = rewrittenCandidate(realm, cand, rewritten(v), true);
        entry.out = out ? construct(realm.IceEvent, ['icecandidate', init1('candidate', out)]) : null;
      } catch {
        entry.out = null;
      }
      done();
    };
    ask(st.quiet ? 'extra' : 'counted', text, (r) => { v = r; judged(); });
    if (entry.nativeSdp) ask('sdps', entry.nativeSdp, (r) => { f = r; judged(); });
  } catch {
    entry.out = null;
    done();
  }
}

function flush(pc, st) {
  for (;;) {
    const entry = mapGet(st.queue, st.head);
    if (!entry || !entry.ready) return;
    mapDelete(st.queue, st.head);
    st.head += 1;
    if (entry.filteredSdp !== null && entry.sdpEpoch === epoch) rememberSdp(st, entry.nativeSdp, entry.filteredSdp);
    if (entry.state !== null) st.gathering = entry.state;
    if (entry.out) {
      wsAdd(ours, entry.out);
      try {
        dispatch(pc, entry.out);
      } catch {
        // a throwing page listener is the page's business
      }
    }
  }
}

/**
 * The on<type> handler properties of the held events. Firefox's RTCPeerConnection is a JS-implemented
 * WebIDL interface: its native setter registers the handler from chrome code, and such a handler never
 * receives an untrusted event, i.e. none of ours. So for a tracked connection the handler is kept here and
 * called from an ordinary listener that sits where the attribute's listener would (added at the first
 * non-null set, removed at null), in both browsers.
 */
export function patchHandlers(proto) {
  each(HELD, (type) => {
    const name = cat('on', type);
    const d = ownDesc(proto, name);
    if (d === null || !isFunction(d.get) || !isFunction(d.set)) return;
    const origGet = d.get;
    const origSet = d.set;
    const get = getterLike(origGet, name, function () {
      const v = apply(origGet, this, []); // brand check, as the native getter
      const st = wmGet(pcs, this);
      if (!st) return v;
      const slot = st.handlers[type];
      return slot ? slot.h : null;
    });
    const set = setterLike(origSet, name, function (h) {
      apply(origGet, this, []); // brand check
      const st = wmGet(pcs, this);
      if (!st) { apply(origSet, this, [h]); return; }
      const value = isFunction(h) || isObject(h) ? h : null; // [LegacyTreatNonObjectAsNull]
      const slot = st.handlers[type];
      if (value === null) {
        if (slot) { removeListener(this, type, slot.l); st.handlers[type] = null; }
        return;
      }
      if (slot) { slot.h = value; return; }
      const fresh = obj();
      fresh.h = value;
      fresh.l = function (e) {
        const fn = fresh.h;
        if (!isFunction(fn)) return;
        if (apply(fn, this, [e]) === false) preventDefault(e);
      };
      st.handlers[type] = fresh;
      addListener(this, type, fresh.l);
    });
    define(proto, name, accessorDesc(get, set, d.enumerable, d.configurable));
  });
}
