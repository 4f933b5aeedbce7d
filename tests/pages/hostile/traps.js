// Hostile realm for tests/e2e/hostile-realm.test.mjs: the page's first <head> script (IceVeil's document_start script ran before it) traps built-ins, prototypes and globals, and records every hidden address or secret the traps see.
//
// Configuration: location.hash `#cfg=<base64 JSON>` (so that no hidden address appears in the URL), read
// before any trap: { traps: ['1','2','3'], hide: [addresses], secrets: [strings], canaries: [addresses the page
// may read], ...whatever flows.js reads }.
// Trap sets:
//   1  every own function and accessor of the standard constructors (statics) and their prototypes,
//      RTC* interfaces included, replaced by a scanning wrapper that behaves like the original;
//   2  a getter and a setter on Object.prototype and Array.prototype for every name in self.HOSTILE_NAMES
//      (set by the test server in front of this file: every identifier and string literal of the shipped
//      content scripts under test, plus dictionary, protocol and index names);
//   3  every writable global of window replaced by a scanning wrapper (namespaces such as JSON by a copy
//      whose methods are wrappers).
// A trap scans `this`, every argument and every return value. The scanner and the report use only natives
// saved below, before any trap, and a re-entrancy flag keeps the traps quiet while it runs.
// Results go to document.title ("hostile:<state>:<encodeURIComponent(JSON)>") through the saved native
// setter, so the test reads them without running script in this realm.
(function hostileTraps(G) {
  'use strict';

  // ------------------------------------------------------------------ natives, saved before any trap
  const R = G.Reflect;
  const apply = R.apply;
  const construct = R.construct;
  const ownKeys = R.ownKeys;
  const define = R.defineProperty; // returns false instead of throwing
  const getDesc = R.getOwnPropertyDescriptor;
  const getProto = R.getPrototypeOf;
  const setProto = R.setPrototypeOf;
  const hasOwnN = G.Object.prototype.hasOwnProperty;
  const hasOwn = (o, k) => apply(hasOwnN, o, [k]);
  const objToString = G.Object.prototype.toString;
  const isArray = G.Array.isArray;
  const strIndexOf = G.String.prototype.indexOf;
  const strSlice = G.String.prototype.slice;
  const strLower = G.String.prototype.toLowerCase;
  const strCode = G.String.prototype.charCodeAt;
  const symDescription = getDesc(G.Symbol.prototype, 'description').get;
  const ITER = G.Symbol.iterator;
  const jsonStringify = G.JSON.stringify;
  const jsonParse = G.JSON.parse;
  const encodeURIN = G.encodeURIComponent;
  const atobN = G.atob;
  const setTimeoutN = G.setTimeout;
  const setIntervalN = G.setInterval;
  const clearIntervalN = G.clearInterval;
  const dateNow = G.Date.now;
  const WeakMapN = G.WeakMap;
  const WeakSetN = G.WeakSet;
  const MapN = G.Map;
  const SetN = G.Set;
  const wmGet = G.WeakMap.prototype.get;
  const wmSet = G.WeakMap.prototype.set;
  const wsAdd = G.WeakSet.prototype.add;
  const wsHas = G.WeakSet.prototype.has;
  const mapGet = G.Map.prototype.get;
  const mapSet = G.Map.prototype.set;
  const mapForEach = G.Map.prototype.forEach;
  const setAdd = G.Set.prototype.add;
  const setHas = G.Set.prototype.has;
  const setForEach = G.Set.prototype.forEach;
  const setSize = getDesc(G.Set.prototype, 'size').get;
  const doc = G.document;
  const titleSet = getDesc(G.Document.prototype, 'title').set;
  const dispatchN = G.EventTarget.prototype.dispatchEvent;
  const getter = (C, name) => {
    try {
      const d = getDesc(G[C].prototype, name);
      return d && typeof d.get === 'function' ? d.get : null;
    } catch {
      return null;
    }
  };
  // Brand getters (IceVeil may have wrapped some of them already: an attacker can do no better).
  const B = {
    __proto__: null,
    eventTarget: getter('Event', 'target'),
    customDetail: getter('CustomEvent', 'detail'),
    messageData: getter('MessageEvent', 'data'),
    iceEventCandidate: getter('RTCPeerConnectionIceEvent', 'candidate'),
    iceEventUrl: getter('RTCPeerConnectionIceEvent', 'url'),
    errorAddress: getter('RTCPeerConnectionIceErrorEvent', 'address'),
    errorUrl: getter('RTCPeerConnectionIceErrorEvent', 'url'),
    errorText: getter('RTCPeerConnectionIceErrorEvent', 'errorText'),
    candidate: getter('RTCIceCandidate', 'candidate'),
    candidateAddress: getter('RTCIceCandidate', 'address'),
    candidateRelated: getter('RTCIceCandidate', 'relatedAddress'),
    sdp: getter('RTCSessionDescription', 'sdp'),
    pairLocal: getter('RTCIceCandidatePair', 'local'),
    pairRemote: getter('RTCIceCandidatePair', 'remote'),
    statsForEach: G.RTCStatsReport ? G.RTCStatsReport.prototype.forEach : null,
  };
  const IceCandidateN = G.RTCIceCandidate;
  const IceEventN = G.RTCPeerConnectionIceEvent;
  const getConfigurationN = G.RTCPeerConnection ? G.RTCPeerConnection.prototype.getConfiguration : null;

  // ------------------------------------------------------------------ configuration (before any trap)
  let config = { traps: [], hide: [], secrets: [] };
  try {
    const h = G.location.hash;
    const at = apply(strIndexOf, h, ['cfg=']);
    if (at >= 0) config = apply(jsonParse, null, [apply(atobN, G, [apply(strSlice, h, [at + 4])])]);
  } catch (err) {
    config = { traps: [], hide: [], secrets: [], configError: `${err}` };
  }
  const SETS = config.traps || [];
  const wants = (n) => { for (let i = 0; i < SETS.length; i += 1) if (SETS[i] === n || SETS[i] === 'all') return true; return false; };
  const HIDE = config.hide || [];
  const SECRETS = config.secrets || [];
  // Canaries: addresses the page may read (the public srflx). Seeing them proves a trap really scanned the
  // page's WebRTC data; they are reported apart from the findings.
  const CANARIES = config.canaries || [];
  const NAMES = G.HOSTILE_NAMES || [];

  // ------------------------------------------------------------------ the scanner
  let busy = 0; // > 0 while the scanner or the report runs: every trap passes straight through
  let flow = 'load';
  const findings = construct(MapN, []); // key -> { trap, role, path, needle, flow, excerpt, count }
  const canaries = { __proto__: null }; // "set1" / "set2" / "set3" -> how many strings with a canary its traps saw
  let findingCount = 0;
  const pcs = construct(SetN, []); // every RTCPeerConnection a trap saw
  const kinds = construct(WeakMapN, []); // object -> its kind, so each object is classified once
  const plainProtos = construct(SetN, []); // Object.prototype of every trapped realm
  apply(setAdd, plainProtos, [G.Object.prototype]);
  const notes = { __proto__: null, skipped: 0, skippedNames: [], errors: 0, lastError: null, pageErrors: [] };
  const noteSkipped = (what) => {
    notes.skipped += 1;
    if (notes.skippedNames.length < 60) define(notes.skippedNames, `${notes.skippedNames.length}`, { __proto__: null, value: what, writable: true, enumerable: true, configurable: true });
  };
  let onNewPc = null; // set by forge()

  const MAX_DEPTH = 4;
  const MAX_KEYS = 64;

  function isBoundary(s, i) {
    if (i < 0 || i >= s.length) return true;
    const c = apply(strCode, s, [i]);
    // [0-9a-f:.] continue an address; anything else ends it.
    return !((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || c === 58 || c === 46);
  }

  function record(ctx, path, needle, s, i) {
    const key = `${ctx.trap}\u0001${ctx.role}\u0001${needle}\u0001${flow}`;
    const seen = apply(mapGet, findings, [key]);
    if (seen) { seen.count += 1; return; }
    if (findingCount >= 300) return;
    findingCount += 1;
    const from = i > 60 ? i - 60 : 0;
    apply(mapSet, findings, [key, {
      __proto__: null,
      trap: ctx.trap,
      role: ctx.role,
      path,
      needle,
      flow,
      excerpt: apply(strSlice, s, [from, i + needle.length + 60]),
      count: 1,
    }]);
  }

  function checkString(s, ctx, path) {
    if (s.length < 3) return;
    const low = apply(strLower, s, []);
    for (let n = 0; n < HIDE.length; n += 1) {
      const a = HIDE[n];
      let i = apply(strIndexOf, low, [a, 0]);
      while (i >= 0) {
        if (isBoundary(low, i - 1) && isBoundary(low, i + a.length)) { record(ctx, path, a, s, i); break; }
        i = apply(strIndexOf, low, [a, i + 1]);
      }
    }
    for (let n = 0; n < SECRETS.length; n += 1) {
      const i = apply(strIndexOf, s, [SECRETS[n], 0]);
      if (i >= 0) record(ctx, path, SECRETS[n], s, i);
    }
    for (let n = 0; n < CANARIES.length; n += 1) {
      if (apply(strIndexOf, s, [CANARIES[n], 0]) < 0) continue;
      const set = apply(strSlice, ctx.trap, [0, 4]);
      canaries[set] = (hasOwn(canaries, set) ? canaries[set] : 0) + 1;
    }
  }

  /** Calls a saved getter on `v`, or gives undefined when `v` lacks the brand. */
  function read(get, v) {
    if (!get) return undefined;
    try {
      return apply(get, v, []);
    } catch {
      return undefined;
    }
  }

  function tagOf(v) {
    try {
      const t = apply(objToString, v, []);
      return apply(strSlice, t, [8, -1]);
    } catch {
      return '';
    }
  }

  function classify(v) {
    if (v === G) return 'skip';
    if (isArray(v)) return 'array';
    let proto;
    try { proto = getProto(v); } catch { return 'skip'; }
    if (proto === null || apply(setHas, plainProtos, [proto])) return 'plain';
    const tag = tagOf(v);
    if (tag === 'RTCPeerConnection') return 'pc';
    if (tag === 'RTCIceCandidate') return 'candidate';
    if (tag === 'RTCSessionDescription') return 'description';
    if (tag === 'RTCStatsReport') return 'stats';
    if (tag === 'RTCIceCandidatePair') return 'pair';
    if (tag === 'Map') return 'map';
    if (tag === 'Set') return 'set';
    if (tag === 'Window' || tag === 'HTMLDocument' || tag === 'Document') return 'skip';
    const n = tag.length;
    if (n >= 5 && apply(strSlice, tag, [n - 5]) === 'Event') return 'event';
    return 'other';
  }

  function ownData(v, depth, ctx, path, limit) {
    let keys;
    try { keys = ownKeys(v); } catch { return; }
    if (keys.length > limit) return;
    for (let i = 0; i < keys.length; i += 1) {
      const k = keys[i];
      if (typeof k !== 'string') continue;
      let d;
      try { d = getDesc(v, k); } catch { continue; }
      if (d && hasOwn(d, 'value')) visit(d.value, depth + 1, ctx, `${path}.${k}`);
    }
  }

  function visit(v, depth, ctx, path) {
    const t = typeof v;
    if (t === 'string') { checkString(v, ctx, path); return; }
    if (t !== 'object' || v === null || depth > MAX_DEPTH) return;
    if (apply(wsHas, ctx.seen, [v])) return;
    apply(wsAdd, ctx.seen, [v]);
    let kind = apply(wmGet, kinds, [v]);
    if (kind === undefined) {
      kind = classify(v);
      apply(wmSet, kinds, [v, kind]);
    }
    switch (kind) {
      case 'skip':
        return;
      case 'pc':
        if (!apply(setHas, pcs, [v])) {
          apply(setAdd, pcs, [v]);
          if (onNewPc) onNewPc(v);
        }
        return;
      case 'candidate':
        visit(read(B.candidate, v), depth + 1, ctx, `${path}.candidate`);
        visit(read(B.candidateAddress, v), depth + 1, ctx, `${path}.address`);
        visit(read(B.candidateRelated, v), depth + 1, ctx, `${path}.relatedAddress`);
        return;
      case 'description':
        visit(read(B.sdp, v), depth + 1, ctx, `${path}.sdp`);
        return;
      case 'pair':
        visit(read(B.pairLocal, v), depth + 1, ctx, `${path}.local`);
        visit(read(B.pairRemote, v), depth + 1, ctx, `${path}.remote`);
        return;
      case 'stats':
        if (B.statsForEach) {
          try { apply(B.statsForEach, v, [(s, k) => { visit(s, depth + 1, ctx, `${path}[${k}]`); }]); } catch { /* not a report after all */ }
        }
        return;
      case 'map':
        try { apply(mapForEach, v, [(x, k) => { visit(k, depth + 1, ctx, `${path}.key`); visit(x, depth + 1, ctx, `${path}.value`); }]); } catch { /* */ }
        return;
      case 'set':
        try { apply(setForEach, v, [(x) => { visit(x, depth + 1, ctx, `${path}.item`); }]); } catch { /* */ }
        return;
      case 'event': {
        visit(read(B.iceEventCandidate, v), depth + 1, ctx, `${path}.candidate`);
        visit(read(B.iceEventUrl, v), depth + 1, ctx, `${path}.url`);
        visit(read(B.errorAddress, v), depth + 1, ctx, `${path}.address`);
        visit(read(B.errorUrl, v), depth + 1, ctx, `${path}.url`);
        visit(read(B.errorText, v), depth + 1, ctx, `${path}.errorText`);
        visit(read(B.customDetail, v), depth + 1, ctx, `${path}.detail`);
        visit(read(B.messageData, v), depth + 1, ctx, `${path}.data`);
        // Its target, one level (an RTCPeerConnection is remembered).
        const target = read(B.eventTarget, v);
        if (target !== undefined) visit(target, depth + 1 > MAX_DEPTH - 1 ? depth + 1 : MAX_DEPTH - 1, ctx, `${path}.target`);
        ownData(v, depth, ctx, path, MAX_KEYS);
        return;
      }
      case 'array': {
        let n = 0;
        try { n = v.length; } catch { return; }
        for (let i = 0; i < n && i < 256; i += 1) {
          const d = getDesc(v, `${i}`);
          if (d && hasOwn(d, 'value')) visit(d.value, depth + 1, ctx, `${path}[${i}]`);
        }
        return;
      }
      default: // plain objects and anything else small: own data properties
        ownData(v, depth, ctx, path, kind === 'plain' ? 512 : MAX_KEYS);
    }
  }

  /** The scanner entry: `v` as seen by `trap` in `role` ("this", "arg0", "return", ...). */
  function see(trap, role, v) {
    if (busy) return;
    const t = typeof v;
    if (t !== 'string' && (t !== 'object' || v === null)) return;
    busy += 1;
    try {
      visit(v, 0, { __proto__: null, trap, role, seen: construct(WeakSetN, []) }, role);
    } catch (err) {
      notes.errors += 1;
      try { notes.lastError = `${trap}: ${err && err.message}`; } catch { /* */ }
    } finally {
      busy -= 1;
    }
  }

  // ------------------------------------------------------------------ wrappers
  const nullDesc = (d) => {
    const o = { __proto__: null };
    if (hasOwn(d, 'value')) o.value = d.value;
    if (hasOwn(d, 'writable')) o.writable = d.writable;
    if (hasOwn(d, 'get')) o.get = d.get;
    if (hasOwn(d, 'set')) o.set = d.set;
    if (hasOwn(d, 'enumerable')) o.enumerable = d.enumerable;
    if (hasOwn(d, 'configurable')) o.configurable = d.configurable;
    return o;
  };
  const keyName = (k) => (typeof k === 'symbol' ? `@@${apply(symDescription, k, [])}` : k);
  const listeners = construct(WeakMapN, []); // page listener -> its scanning wrapper

  function wrapCallback(f, trap) {
    return function hostileCallback() {
      if (!busy) for (let i = 0; i < arguments.length; i += 1) see(trap, `callback arg${i}`, arguments[i]);
      return apply(f, this, arguments);
    };
  }

  function listenerOf(f, trap) {
    if (typeof f !== 'function') return f;
    let w = apply(wmGet, listeners, [f]);
    if (!w) {
      w = wrapCallback(f, trap);
      apply(wmSet, listeners, [f, w]);
    }
    return w;
  }

  const ourFns = construct(WeakSetN, []); // every wrapper this file made (for the spot checks)
  const SPECIAL_THEN = 1;
  const SPECIAL_ADD = 2;
  const SPECIAL_REMOVE = 3;

  /** A scanning wrapper of `orig` that behaves like it: this, new.target, arguments and result pass through. */
  function wrapFn(orig, trap, special, statics) {
    const w = function () {
      const nt = new.target;
      let args = arguments;
      if (!busy) {
        if (nt === undefined) see(trap, 'this', this);
        for (let i = 0; i < args.length; i += 1) see(trap, `arg${i}`, args[i]);
        if (special) {
          const a = { __proto__: null, length: args.length };
          for (let i = 0; i < args.length; i += 1) a[i] = args[i];
          if (special === SPECIAL_THEN) {
            if (typeof a[0] === 'function') a[0] = wrapCallback(a[0], `${trap} onFulfilled`);
            if (typeof a[1] === 'function') a[1] = wrapCallback(a[1], `${trap} onRejected`);
          } else if (args.length > 1) {
            a[1] = special === SPECIAL_ADD ? listenerOf(a[1], `${trap} listener`) : (apply(wmGet, listeners, [a[1]]) || a[1]);
          }
          args = a;
        }
      }
      const r = nt === undefined ? apply(orig, this, args) : construct(orig, args, nt === w ? orig : nt);
      if (!busy) see(trap, 'return', r);
      return r;
    };
    try {
      const n = getDesc(orig, 'name');
      if (n) define(w, 'name', { __proto__: null, value: n.value, configurable: true });
      const l = getDesc(orig, 'length');
      if (l) define(w, 'length', { __proto__: null, value: l.value, configurable: true });
      const p = getDesc(orig, 'prototype');
      if (p) define(w, 'prototype', { __proto__: null, value: p.value, writable: false });
      if (statics) {
        setProto(w, getProto(orig));
        const keys = ownKeys(orig);
        for (let i = 0; i < keys.length; i += 1) {
          const k = keys[i];
          if (k === 'length' || k === 'name' || k === 'prototype' || k === 'caller' || k === 'arguments') continue;
          define(w, k, nullDesc(getDesc(orig, k)));
        }
      }
    } catch {
      notes.errors += 1;
    }
    apply(wsAdd, ourFns, [w]);
    return w;
  }

  /** Replaces every own function and accessor of `T` by scanning wrappers; returns how many. */
  function wrapOwn(T, label, protos) {
    let n = 0;
    let keys;
    try { keys = ownKeys(T); } catch { return 0; }
    for (let i = 0; i < keys.length; i += 1) {
      const k = keys[i];
      const d = getDesc(T, k);
      if (!d) continue;
      const trap = `set1 ${label}.${keyName(k)}`;
      const nd = nullDesc(d);
      let changed = false;
      if (hasOwn(d, 'value')) {
        if (typeof d.value !== 'function') continue;
        let special = 0;
        if (k === 'then' && T === protos.promise) special = SPECIAL_THEN;
        else if (k === 'addEventListener' && T === protos.eventTarget) special = SPECIAL_ADD;
        else if (k === 'removeEventListener' && T === protos.eventTarget) special = SPECIAL_REMOVE;
        nd.value = wrapFn(d.value, trap, special, k === 'constructor');
        changed = true;
      } else {
        if (typeof d.get === 'function') { nd.get = wrapFn(d.get, `${trap} get`); changed = true; }
        if (typeof d.set === 'function') { nd.set = wrapFn(d.set, `${trap} set`); changed = true; }
      }
      if (!changed) continue;
      if (define(T, k, nd)) n += 1;
      else noteSkipped(trap);
    }
    return n;
  }

  const SET1 = ['Object', 'Function', 'Array', 'String', 'Number', 'Boolean', 'Symbol', 'BigInt', 'Map', 'Set',
    'WeakMap', 'WeakSet', 'Promise', 'JSON', 'Reflect', 'Math', 'RegExp', 'Error', 'TypeError', 'Date',
    'Event', 'CustomEvent', 'MouseEvent', 'UIEvent', 'MessageEvent', 'EventTarget', 'Node', 'Element',
    'HTMLElement', 'HTMLIFrameElement', 'Document', 'DocumentFragment', 'Window'];

  function installSet1(win, realmLabel) {
    const targets = [];
    const add = (T, label) => { if (T && (typeof T === 'object' || typeof T === 'function')) targets[targets.length] = [T, label]; };
    const names = [];
    for (let i = 0; i < SET1.length; i += 1) names[names.length] = SET1[i];
    const keys = ownKeys(win);
    for (let i = 0; i < keys.length; i += 1) {
      const k = keys[i];
      if (typeof k === 'string' && apply(strSlice, k, [0, 3]) === 'RTC') names[names.length] = k;
    }
    for (let i = 0; i < names.length; i += 1) {
      const d = getDesc(win, names[i]);
      const C = d && hasOwn(d, 'value') ? d.value : null;
      if (!C) continue;
      add(C, `${realmLabel}${names[i]}`);
      if (typeof C === 'function') {
        const p = getDesc(C, 'prototype');
        if (p && p.value) add(p.value, `${realmLabel}${names[i]}.prototype`);
      }
    }
    // The iterator prototypes behind Symbol.iterator methods (their `next`).
    try {
      const arrayIter = getProto(apply(win.Array.prototype[ITER], [], []));
      add(arrayIter, `${realmLabel}%ArrayIteratorPrototype%`);
      add(getProto(arrayIter), `${realmLabel}%IteratorPrototype%`);
      add(getProto(apply(win.Map.prototype.entries, construct(win.Map, []), [])), `${realmLabel}%MapIteratorPrototype%`);
      add(getProto(apply(win.Set.prototype.values, construct(win.Set, []), [])), `${realmLabel}%SetIteratorPrototype%`);
      add(getProto(apply(win.String.prototype[ITER], '', [])), `${realmLabel}%StringIteratorPrototype%`);
    } catch {
      notes.errors += 1;
    }
    const protos = { __proto__: null, promise: win.Promise.prototype, eventTarget: win.EventTarget.prototype };
    let n = 0;
    for (let i = 0; i < targets.length; i += 1) n += wrapOwn(targets[i][0], targets[i][1], protos);
    return n;
  }

  const NAMESPACES = ['JSON', 'Reflect', 'Math', 'Atomics', 'Intl', 'console', 'WebAssembly', 'CSS'];

  function installSet3(win, realmLabel) {
    let n = 0;
    const keys = ownKeys(win);
    for (let i = 0; i < keys.length; i += 1) {
      const k = keys[i];
      if (typeof k !== 'string' || k === 'HOSTILE_NAMES' || k === '__hostile') continue;
      let d;
      try { d = getDesc(win, k); } catch { continue; }
      if (!d || !hasOwn(d, 'value') || d.writable !== true) continue;
      const v = d.value;
      const trap = `set3 ${realmLabel}window.${k}`;
      let replacement = null;
      if (typeof v === 'function') {
        replacement = wrapFn(v, trap, 0, true);
      } else if (v && typeof v === 'object') {
        let ns = false;
        for (let j = 0; j < NAMESPACES.length; j += 1) if (NAMESPACES[j] === k) ns = true;
        if (!ns) continue;
        replacement = { __proto__: null };
        setProto(replacement, getProto(v));
        const own = ownKeys(v);
        for (let j = 0; j < own.length; j += 1) {
          const od = nullDesc(getDesc(v, own[j]));
          if (hasOwn(od, 'value') && typeof od.value === 'function') od.value = wrapFn(od.value, `${trap}.${keyName(own[j])}`, 0, true);
          define(replacement, own[j], od);
        }
      } else {
        continue;
      }
      const nd = nullDesc(d);
      nd.value = replacement;
      if (define(win, k, nd)) n += 1;
      else noteSkipped(trap);
    }
    return n;
  }

  const stash = construct(WeakMapN, []); // object -> { name: value } that a set-2 setter could not define

  function installSet2(win, realmLabel) {
    const protos = [[win.Object.prototype, 'Object.prototype'], [win.Array.prototype, 'Array.prototype']];
    const all = construct(SetN, []);
    for (let i = 0; i < NAMES.length; i += 1) if (typeof NAMES[i] === 'string') apply(setAdd, all, [NAMES[i]]);
    const list = [];
    apply(setForEach, all, [(name) => { list[list.length] = name; }]);
    let n = 0;
    for (let p = 0; p < protos.length; p += 1) {
      const P = protos[p][0];
      for (let i = 0; i < list.length; i += 1) {
        const name = list[i];
        // Set 1 covers the prototypes' own members (an accessor on Array.prototype for a name of
        // Object.prototype, e.g. hasOwnProperty or __proto__, would only shadow it for arrays).
        if (name === '__proto__' || hasOwn(P, name) || hasOwn(win.Object.prototype, name)) continue;
        const trap = `set2 ${realmLabel}${protos[p][1]}.${name}`;
        const get = function () {
          if (!busy) see(`${trap} get`, 'this', this);
          if ((typeof this === 'object' && this !== null) || typeof this === 'function') {
            const m = apply(wmGet, stash, [this]);
            if (m && hasOwn(m, name)) return m[name];
          }
          return undefined;
        };
        const set = function (v) {
          if (!busy) {
            see(`${trap} set`, 'this', this);
            see(`${trap} set`, 'value', v);
          }
          if ((typeof this !== 'object' || this === null) && typeof this !== 'function') return;
          if (define(this, name, { __proto__: null, value: v, writable: true, enumerable: true, configurable: true })) return;
          let m = apply(wmGet, stash, [this]);
          if (!m) { m = { __proto__: null }; apply(wmSet, stash, [this, m]); }
          m[name] = v;
        };
        if (define(P, name, { __proto__: null, get, set, enumerable: false, configurable: true })) n += 1;
        else noteSkipped(trap);
      }
    }
    return n;
  }

  const armed = { __proto__: null, realms: 0, names: NAMES.length };

  /** Installs the configured trap sets into `win` (this window, or a same-origin child realm). */
  function trapRealm(win, realmLabel) {
    busy += 1; // the traps already installed in other realms stay quiet while this one is set up
    try {
      return trapRealmNow(win, realmLabel);
    } finally {
      busy -= 1;
    }
  }

  function trapRealmNow(win, realmLabel) {
    apply(setAdd, plainProtos, [win.Object.prototype]);
    const r = { __proto__: null, realm: realmLabel || 'top', set1: 0, set2: 0, set3: 0 };
    // Set 3 before set 2: with getters for get/set/value on Object.prototype, ordinary descriptors break.
    if (wants('1')) r.set1 = installSet1(win, realmLabel);
    if (wants('3')) r.set3 = installSet3(win, realmLabel);
    if (wants('2')) r.set2 = installSet2(win, realmLabel);
    // Spot checks the test asserts: each set really took hold.
    const eventType = getDesc(win.Event.prototype, 'type');
    r.eventTypeTrapped = !!eventType && eventType.get !== undefined && apply(wsHas, ourFns, [eventType.get]);
    const detail = getDesc(win.Object.prototype, 'detail');
    r.objectProtoDetailTrapped = !!detail && hasOwn(detail, 'get');
    const s = getDesc(win, 'String');
    r.globalStringTrapped = !!s && apply(wsHas, ourFns, [s.value]);
    armed.realms += 1;
    armed[r.realm] = r;
    return r;
  }

  // ------------------------------------------------------------------ report
  function toArray(mapOrList) {
    const out = [];
    let i = 0;
    const put = (v) => { define(out, `${i}`, { __proto__: null, value: v, writable: true, enumerable: true, configurable: true }); i += 1; };
    apply(mapForEach, mapOrList, [(v) => { put(v); }]);
    return out;
  }

  let results = null;
  const forged = { __proto__: null, candidates: 0, ends: 0, errors: 0, lastError: null, configurations: 0, ticks: 0 };

  function publish(state) {
    busy += 1;
    try {
      const report = {
        __proto__: null,
        state,
        flow,
        config: { __proto__: null, traps: SETS, run: config.run || null },
        armed,
        notes,
        findings: toArray(findings),
        canaries,
        pcs: apply(setSize, pcs, []),
        forged,
        results,
      };
      apply(titleSet, doc, [`hostile:${state}:${encodeURIN(apply(jsonStringify, null, [report]))}`]);
    } catch (err) {
      try { apply(titleSet, doc, [`hostile:report-error:${encodeURIN(`${err && err.message}`)}`]); } catch { /* */ }
    } finally {
      busy -= 1;
    }
  }

  // ------------------------------------------------------------------ the self-test attack
  const FAKE = 'candidate:1 1 udp 2122260223 10.99.99.99 5000 typ host';

  /** Forged icecandidate events (a fake host candidate, then an end) on `pc`, and a look at its configuration. */
  function attack(pc) {
    try {
      const c = construct(IceCandidateN, [{ __proto__: null, candidate: FAKE, sdpMid: '0', sdpMLineIndex: 0 }]);
      apply(dispatchN, pc, [construct(IceEventN, ['icecandidate', { __proto__: null, candidate: c }])]);
      forged.candidates += 1;
      apply(dispatchN, pc, [construct(IceEventN, ['icecandidate', { __proto__: null, candidate: null }])]);
      forged.ends += 1;
    } catch (err) {
      forged.errors += 1;
      try { forged.lastError = `${err && err.message}`; } catch { /* */ }
    }
    if (!getConfigurationN) return;
    let cfg;
    busy += 1;
    try {
      cfg = apply(getConfigurationN, pc, []);
      forged.configurations += 1;
    } catch {
      cfg = null;
    } finally {
      busy -= 1;
    }
    if (cfg) see('attack: getConfiguration() of a collected RTCPeerConnection', 'return', cfg);
  }

  /** Attacks every collected connection at once when it is first seen, then every `intervalMs` for `durationMs`. */
  function forge({ intervalMs = 100, durationMs = 60000, publishEvery = 5 } = {}) {
    const started = apply(dateNow, null, []);
    onNewPc = (pc) => { apply(setTimeoutN, G, [() => attack(pc), 0]); };
    const timer = apply(setIntervalN, G, [() => {
      forged.ticks += 1;
      apply(setForEach, pcs, [(pc) => attack(pc)]);
      if (forged.ticks % publishEvery === 0) publish('forging');
      if (apply(dateNow, null, []) - started > durationMs) {
        apply(clearIntervalN, G, [timer]);
        publish('forge-ended');
      }
    }, intervalMs]);
  }

  // ------------------------------------------------------------------ go
  const H = {
    __proto__: null,
    config,
    flow(name) { flow = `${name}`; publish('running'); },
    trapRealm,
    done(r) { results = r; flow = 'done'; publish('done'); },
    publish,
    forge,
    pcCount: () => apply(setSize, pcs, []),
  };
  // Uncaught errors (a page or extension listener that threw under the traps), for the report.
  const errorMessage = getter('ErrorEvent', 'message');
  const rejectionReason = getter('PromiseRejectionEvent', 'reason');
  const noteError = (text) => {
    if (notes.pageErrors.length < 20) define(notes.pageErrors, `${notes.pageErrors.length}`, { __proto__: null, value: text, writable: true, enumerable: true, configurable: true });
  };
  apply(G.EventTarget.prototype.addEventListener, G, ['error', (e) => {
    busy += 1;
    try { noteError(`error: ${read(errorMessage, e)}`); } finally { busy -= 1; }
  }, true]);
  apply(G.EventTarget.prototype.addEventListener, G, ['unhandledrejection', (e) => {
    busy += 1;
    try {
      const r = read(rejectionReason, e);
      let text = typeof r;
      if (typeof r === 'string') text = r;
      else if (r && typeof r === 'object') {
        const m = getDesc(r, 'message');
        text = m && typeof m.value === 'string' ? m.value : tagOf(r);
      }
      noteError(`unhandled rejection: ${text}`);
    } finally { busy -= 1; }
  }]);
  trapRealm(G, '');
  define(G, '__hostile', { __proto__: null, value: H, writable: false, enumerable: false, configurable: false });
  publish('armed');
})(window);
