// Page layer, MAIN world: wraps RTCPeerConnection (and every surface that shows a local address) in this realm and in same-origin child realms the page reaches, so nothing reaches the page before the Rust core's verdict; fails closed.
//
// Rules this file keeps (see docs/page-layer.md):
// - Every verdict comes from the Rust core (in the background, or in Firefox a copy in isolated.js). Here: interception plumbing only, plus
//   the fail-closed fallback (held candidates are dropped after HOLD_MS; SDP without any
//   candidate line when no filtered copy is known).
// - Every built-in we use is taken before any page script runs and called through `call`, so a
//   page that patches prototypes (Array, String, Map, Promise, JSON, ...) cannot observe or steer us.
//   Internal objects have a null prototype; internal lists are Maps.
// - A frame that never constructs an RTCPeerConnection sends no message and loads no Wasm.
(function iceveilPageLayer() {
  'use strict';

  const W = globalThis;
  const HOLD_MS = 3000;
  const HELLO = 'iceveil:hello';
  const REQ = 'iceveil:req';
  const RES = 'iceveil:res';
  const WARM = 'iceveil:warm'; // here -> isolated.js: the first RTCPeerConnection of this instance
  const STALE = 'iceveil:stale'; // isolated.js -> here: settings changed, forget every verdict and filtered SDP
  const SELFTEST = 'iceveil:selftest'; // isolated.js -> here, on the private node only
  const SELFTEST_RES = 'iceveil:selftest-res';

  // ------------------------------------------------------------------ originals (document_start)
  const R = W.Reflect;
  const apply = R.apply;
  const construct = R.construct;
  const O = W.Object;
  const defineProperty = O.defineProperty;
  const getDesc = O.getOwnPropertyDescriptor;
  const getProto = O.getPrototypeOf;
  const setProto = O.setPrototypeOf;
  const uncurry = (f) => (self, ...args) => apply(f, self, args);
  const hasOwn = uncurry(O.prototype.hasOwnProperty);
  const nativeToString = W.Function.prototype.toString;
  const fnSource = uncurry(nativeToString);
  const jsonStringify = W.JSON.stringify;
  const jsonParse = W.JSON.parse;
  const WM = W.WeakMap;
  const WS = W.WeakSet;
  const M = W.Map;
  const wmGet = uncurry(WM.prototype.get);
  const wmSet = uncurry(WM.prototype.set);
  const wmHas = uncurry(WM.prototype.has);
  const wsAdd = uncurry(WS.prototype.add);
  const wsHas = uncurry(WS.prototype.has);
  const mapGet = uncurry(M.prototype.get);
  const mapSet = uncurry(M.prototype.set);
  const mapHas = uncurry(M.prototype.has);
  const mapDelete = uncurry(M.prototype.delete);
  const mapSize = uncurry(getDesc(M.prototype, 'size').get);
  const mapForEach = uncurry(M.prototype.forEach);
  const mapEntries = uncurry(M.prototype.entries);
  const mapKeys = uncurry(M.prototype.keys);
  const mapValues = uncurry(M.prototype.values);
  const strIndexOf = uncurry(W.String.prototype.indexOf);
  const strSlice = uncurry(W.String.prototype.slice);
  const strCharCodeAt = uncurry(W.String.prototype.charCodeAt);
  const P = W.Promise;
  const promiseThen = uncurry(P.prototype.then);
  const resolved = (v) => new P((r) => r(v));
  const ownKeys = R.ownKeys;
  const ITER = W.Symbol.iterator;
  /** Index loop over an array literal of ours (for-of would use the page-patchable Array iterator). */
  const each = (arr, fn) => { for (let i = 0; i < arr.length; i += 1) fn(arr[i]); };
  const setTimeoutN = W.setTimeout;
  const clearTimeoutN = W.clearTimeout;
  const queueMicrotaskN = W.queueMicrotask;
  const later = (fn, ms) => apply(setTimeoutN, W, [fn, ms]);
  const cancel = (t) => apply(clearTimeoutN, W, [t]);
  const microtask = (fn) => apply(queueMicrotaskN, W, [fn]);
  const ET = W.EventTarget.prototype;
  const addListener = uncurry(ET.addEventListener);
  const removeListener = uncurry(ET.removeEventListener);
  const dispatch = uncurry(ET.dispatchEvent);
  const stopImmediate = uncurry(W.Event.prototype.stopImmediatePropagation);
  const CustomEventN = W.CustomEvent;
  const MouseEventN = W.MouseEvent;
  const customDetail = uncurry(getDesc(W.CustomEvent.prototype, 'detail').get);
  const preventDefault = uncurry(W.Event.prototype.preventDefault);
  const createElement = uncurry(W.Document.prototype.createElement);
  const doc = W.document;
  const windowLength = uncurry(getDesc(W, 'length').get);
  const isFunction = (v) => typeof v === 'function';

  // ------------------------------------------------------------------ small safe helpers
  /** A list with no prototype (page patches to Array.prototype cannot see or steer it). */
  const list = () => ({ __proto__: null, n: 0 });
  const push = (l, v) => { l[l.n] = v; l.n += 1; };
  /** The lines of `s` (split on \n, keeping \r handling to the callers). */
  function splitOn(s, sep) {
    const out = list();
    let start = 0;
    for (;;) {
      const i = strIndexOf(s, sep, start);
      if (i < 0) { push(out, strSlice(s, start)); return out; }
      push(out, strSlice(s, start, i));
      start = i + sep.length;
    }
  }
  const startsWith = (s, p) => strSlice(s, 0, p.length) === p;
  function isNativeFn(f) {
    try {
      return strIndexOf(fnSource(f), '[native code]') >= 0;
    } catch {
      return false;
    }
  }
  /** JSON for a list of strings, built by hand (JSON.stringify of an array would consult Array.prototype.toJSON). */
  function jsonStrings(l) {
    let s = '[';
    for (let i = 0; i < l.n; i += 1) s += (i ? ',' : '') + apply(jsonStringify, null, [String(l[i])]);
    return `${s}]`;
  }

  // ------------------------------------------------------------------ shared state (all realms this instance covers)
  const spoof = new WM(); // wrapper function -> the native function whose source text it shows (read on demand)
  const pcs = new WM(); // native RTCPeerConnection -> per-connection state
  const ours = new WS(); // events this layer dispatched (pass our own capture listener)
  const reports = new WM(); // RTCStatsReport -> filtered Map of its entries
  const covered = new WS(); // realms (their Function constructor) already wrapped by this instance
  let verdictCache = new M(); // candidate string -> verdict, for the synchronous RTCIceTransport getters
  // The mode of the last reply, and a count of mode changes seen: a change empties every cache of verdicts
  // and filtered SDPs (they were judged under the old mode).
  let replyMode = null;
  let epoch = 0;
  /** The settings changed (told by isolated.js, or seen in a reply's mode): forget what was judged before. */
  function newEpoch() {
    epoch += 1;
    verdictCache = new M();
  }
  let channel = null; // the detached node shared with isolated.js, or null (fail closed)
  let selfTestCtor = null; // { Wrapper, realm } of this window: what the popup self-test gathers through

  // ------------------------------------------------------------------ private channel
  (function handshake() {
    try {
      const node = createElement(doc, 'span');
      const hello = construct(MouseEventN, [HELLO, { relatedTarget: node }]);
      let answered = false;
      const onAck = () => { answered = true; };
      addListener(node, 'iceveil:ack', onAck);
      dispatch(doc, hello);
      removeListener(node, 'iceveil:ack', onAck);
      if (!answered) return;
      addListener(node, RES, onResponse);
      addListener(node, SELFTEST, onSelfTest);
      addListener(node, STALE, newEpoch);
      channel = node;
    } catch {
      channel = null;
    }
  })();

  let warmed = false;
  /** Tells isolated.js, once, that this frame uses WebRTC, so it can get verdicts ready before the first candidate. */
  function warm() {
    if (warmed || !channel) return;
    warmed = true;
    try {
      dispatch(channel, construct(CustomEventN, [WARM]));
    } catch {
      // no warm-up: requests still go the slow way
    }
  }

  let nextId = 1;
  const waiting = new M(); // request id -> { resolve, timer }
  let batch = null; // the request being filled during this task

  /** The JSON value a channel event carries as its string `detail`, or null for anything else. */
  function readDetail(e) {
    try {
      const d = customDetail(e);
      return typeof d === 'string' ? apply(jsonParse, null, [d]) : null;
    } catch {
      return null;
    }
  }

  function onResponse(e) {
    const msg = readDetail(e);
    if (!msg || typeof msg !== 'object' || !hasOwn(msg, 'id')) return;
    const w = mapGet(waiting, msg.id);
    if (!w) return;
    mapDelete(waiting, msg.id);
    cancel(w.timer);
    w.resolve(hasOwn(msg, 'reply') ? msg.reply : null);
  }

  /**
   * Asks the core (via isolated.js and the background) about candidate strings and SDP blobs.
   * `counted` candidates come from icecandidate events (they feed the toolbar badge); `extra` ones
   * come from stats and transports. Calls within one task share one message. Resolves with
   * `{ verdicts, extra, sdps, addresses }` index-aligned (addresses: true = hidden), or null (no channel, error, or HOLD_MS passed).
   */
  function ask(kind, value) {
    if (!channel) return resolved(null);
    if (!batch) {
      batch = newBatch();
      const b = batch;
      microtask(() => { batch = null; send(b); });
    }
    const l = batch[kind];
    const index = l.n;
    push(l, value);
    return new P((resolve) => push(batch.waiters, { __proto__: null, kind, index, resolve }));
  }

  const newBatch = () => ({ __proto__: null, counted: list(), extra: list(), sdps: list(), addresses: list(), waiters: list() });

  // Whether the last request was answered inside its own dispatchEvent: Firefox's isolated world judges
  // with its local core synchronously once that core is ready. Then the synchronous getters ask the core
  // when they read something not judged yet, and the event path need not filter SDP ahead of a read.
  let syncReplies = false;
  const PENDING = { __proto__: null };

  /**
   * One item asked on its own, for a synchronous getter: its reply item if the channel answered inside
   * the dispatch, else PENDING (the reply still fills the verdict cache when it comes, and goes to `later`).
   * Sends nothing and gives undefined unless the last request was answered synchronously.
   */
  function askNow(kind, value, later) {
    if (!channel || !syncReplies) return undefined;
    const b = newBatch();
    push(b[kind], value);
    let inside = true;
    let now = PENDING;
    push(b.waiters, { __proto__: null, kind, index: 0, resolve: (r) => { if (inside) now = r; else if (later) later(r); } });
    send(b);
    inside = false;
    return now;
  }

  function send(b) {
    const id = nextId;
    nextId += 1;
    let judged = false; // a reply without error came
    const sentIn = epoch;
    const settle = (reply) => {
      judged = reply !== null && typeof reply === 'object' && !hasOwn(reply, 'error');
      let fresh = sentIn === epoch;
      if (reply && typeof reply === 'object' && hasOwn(reply, 'mode') && typeof reply.mode === 'string' && reply.mode !== replyMode) {
        if (replyMode !== null) newEpoch();
        replyMode = reply.mode;
        fresh = true;
      } else if (!fresh && judged) {
        // Asked before the settings changed and judged under the same mode: maybe under the old
        // settings. Its verdicts deliver what was asked, but its SDPs are not kept (the next read asks again).
        reply = { __proto__: null, verdicts: reply.verdicts, extra: reply.extra, addresses: reply.addresses, sdps: null };
      }
      for (let i = 0; i < b.waiters.n; i += 1) {
        const w = b.waiters[i];
        let r = null;
        if (reply && typeof reply === 'object' && !hasOwn(reply, 'error')) {
          const key = w.kind === 'counted' ? 'verdicts' : w.kind;
          const arr = hasOwn(reply, key) ? reply[key] : null;
          r = arr && hasOwn(arr, w.index) ? arr[w.index] : null;
          if ((w.kind === 'counted' || w.kind === 'extra') && r && typeof r === 'object' && fresh) {
            mapSet(verdictCache, b[w.kind][w.index], r);
          }
        }
        w.resolve(r);
      }
    };
    const timer = later(() => {
      mapDelete(waiting, id);
      settle(null);
    }, HOLD_MS);
    mapSet(waiting, id, { __proto__: null, resolve: settle, timer });
    const body = `{"id":${id},"origin":${apply(jsonStringify, null, [String(W.location.origin)])},"candidates":${jsonStrings(b.counted)},"extra":${jsonStrings(b.extra)},"sdps":${jsonStrings(b.sdps)},"addresses":${jsonStrings(b.addresses)}}`;
    try {
      dispatch(channel, construct(CustomEventN, [REQ, { detail: body }]));
      syncReplies = judged && !mapHas(waiting, id);
    } catch {
      syncReplies = false;
      mapDelete(waiting, id);
      cancel(timer);
      settle(null);
    }
  }

  // ------------------------------------------------------------------ popup self-test (asked by isolated.js over the private node)
  // The request can come only over the node (the page never holds it); its result goes only back
  // over the node. The connection is built with this window's page-visible wrapper (as a page
  // script would) but is never exposed: natives taken at document_start, null-prototype
  // configuration objects (a page getter on Object/Array prototypes sees nothing), no event outside
  // the connection itself, and its candidates are asked as uncounted (no badge).
  function onSelfTest(e) {
    const req = readDetail(e);
    if (!req || typeof req !== 'object' || !hasOwn(req, 'id') || typeof req.id !== 'number') return;
    const id = req.id;
    const servers = safeServers(hasOwn(req, 'iceServers') ? req.iceServers : null);
    let timeoutMs = hasOwn(req, 'timeoutMs') ? +req.timeoutMs : 8000;
    if (!(timeoutMs >= 1000)) timeoutMs = 1000;
    if (timeoutMs > 30000) timeoutMs = 30000;
    runSelfTest(servers, timeoutMs, (cands, o) => {
      const body = `{"id":${id},"candidates":${jsonStrings(cands)},"outcome":{"webrtcAvailable":${!!o.webrtcAvailable},"completed":${!!o.completed},"iceServers":${+o.iceServers},"candidateErrors":${+o.candidateErrors},"error":${o.error === null ? 'null' : apply(jsonStringify, null, [String(o.error)])}}}`;
      try {
        dispatch(channel, construct(CustomEventN, [SELFTEST_RES, { detail: body }]));
      } catch {
        // channel gone: isolated.js times out
      }
    });
  }

  /** A WebIDL sequence that consults no prototype (own @@iterator, null-prototype iterator and results). */
  function safeSeq(l) {
    const s = { __proto__: null };
    defineProperty(s, ITER, { value: () => {
      let i = 0;
      return { __proto__: null, next: () => (i < l.n ? { __proto__: null, done: false, value: l[i++] } : { __proto__: null, done: true, value: undefined }) };
    } });
    return s;
  }

  function safeServers(v) {
    const out = list();
    if (!v || typeof v !== 'object' || !hasOwn(v, 'length')) return out;
    const str = (o, k) => (hasOwn(o, k) && typeof o[k] === 'string' ? o[k] : null);
    for (let i = 0; i < v.length && i < 16; i += 1) {
      const s = hasOwn(v, i) ? v[i] : null;
      if (!s || typeof s !== 'object') continue;
      const d = { __proto__: null };
      const u = hasOwn(s, 'urls') ? s.urls : null;
      if (typeof u === 'string') d.urls = u;
      else if (u && typeof u === 'object' && hasOwn(u, 'length')) {
        const ul = list();
        for (let j = 0; j < u.length && j < 16; j += 1) if (hasOwn(u, j) && typeof u[j] === 'string') push(ul, u[j]);
        d.urls = safeSeq(ul);
      } else continue;
      if (str(s, 'username') !== null) d.username = str(s, 'username');
      if (str(s, 'credential') !== null) d.credential = str(s, 'credential');
      push(out, d);
    }
    return out;
  }

  function runSelfTest(servers, timeoutMs, reply) {
    const cands = list();
    const o = { __proto__: null, webrtcAvailable: false, completed: false, iceServers: servers.n, candidateErrors: 0, error: null };
    // disable mode: the page has no constructor (content/disable.js), so neither does the self-test.
    if (!selfTestCtor || !hasOwn(W, 'RTCPeerConnection')) { reply(cands, o); return; }
    o.webrtcAvailable = true;
    const realm = selfTestCtor.realm;
    let pc = null;
    let finished = false;
    let timer = null;
    const finish = () => {
      if (finished) return;
      finished = true;
      if (timer !== null) cancel(timer);
      try { if (pc) apply(realm.close, pc, []); } catch { /* closed already */ }
      reply(cands, o);
    };
    const fail = (err) => {
      try { o.error = String((err && err.message) || err); } catch { o.error = 'error'; }
      finish();
    };
    try {
      pc = construct(selfTestCtor.Wrapper, [{ __proto__: null, iceServers: safeSeq(servers) }]);
      const st = wmGet(pcs, pc);
      if (!st) { fail('not wrapped'); return; }
      st.quiet = true;
      // These listeners come after the wrapper's capture listener: they get only the re-dispatched (filtered) events.
      addListener(pc, 'icecandidate', (e) => {
        const c = apply(realm.iceEventCandidateGet, e, []);
        if (!c) { o.completed = true; finish(); return; }
        const text = apply(realm.candidateGet, c, []);
        if (text) push(cands, text); // '' is Firefox's end marker, not a candidate
      });
      addListener(pc, 'icecandidateerror', () => { o.candidateErrors += 1; });
      apply(realm.createDataChannel, pc, ['iceveil-selftest']);
      timer = later(finish, timeoutMs);
      promiseThen(apply(realm.createOffer, pc, []), (offer) => {
        promiseThen(apply(realm.setLocalDescription, pc, [offer]), () => {}, fail);
      }, fail);
    } catch (err) {
      fail(err);
    }
  }

  // ------------------------------------------------------------------ verdict helpers
  const verdictAction = (v) => (v && typeof v === 'object' && hasOwn(v, 'action') ? v.action : 'drop');
  const isSdpReply = (f) => f !== null && typeof f === 'object' && typeof f.sdp === 'string';
  const rewritten = (v) => (hasOwn(v, 'candidate') && typeof v.candidate === 'string' ? v.candidate : null);

  /** The emergency SDP transform: no candidate lines, no address in c= or a=rtcp. Used only while no core-filtered copy exists. */
  function sdpWithoutCandidates(sdp) {
    if (typeof sdp !== 'string') return '';
    const lines = splitOn(sdp, '\n');
    let out = '';
    for (let i = 0; i < lines.n; i += 1) {
      let line = lines[i];
      const cr = line.length && strCharCodeAt(line, line.length - 1) === 13 ? '\r' : '';
      if (cr) line = strSlice(line, 0, -1);
      if (i === lines.n - 1 && line === '') break;
      if (startsWith(line, 'a=candidate:') || startsWith(line, 'a=end-of-candidates')) continue;
      if (startsWith(line, 'c=IN IP6 ')) line = 'c=IN IP6 ::';
      else if (startsWith(line, 'c=IN ')) line = 'c=IN IP4 0.0.0.0';
      else if (startsWith(line, 'a=rtcp:')) line = 'a=rtcp:9 IN IP4 0.0.0.0';
      else if (startsWith(line, 'm=')) {
        const parts = splitOn(line, ' ');
        if (parts.n > 2) {
          line = `${parts[0]} 9`;
          for (let j = 2; j < parts.n; j += 1) line += ` ${parts[j]}`;
        }
      }
      out += `${line}${cr}\n`;
    }
    return out;
  }

  /** Reads fields 4, 5 and raddr/rport of a candidate string (for rewriting stats entries). */
  function candidateFields(s) {
    const t = splitOn(startsWith(s, 'a=') ? strSlice(s, 2) : s, ' ');
    const f = { __proto__: null, address: t.n > 4 ? t[4] : '', port: t.n > 5 ? t[5] : '', raddr: null, rport: null };
    for (let i = 6; i + 1 < t.n; i += 1) {
      if (t[i] === 'raddr') f.raddr = t[i + 1];
      if (t[i] === 'rport') f.rport = t[i + 1];
    }
    return f;
  }

  // ------------------------------------------------------------------ function disguise
  function disguise(wrapper, original, name) {
    defineProperty(wrapper, 'name', { value: name ?? getDesc(original, 'name').value, configurable: true });
    defineProperty(wrapper, 'length', { value: getDesc(original, 'length').value, configurable: true });
    wmSet(spoof, wrapper, original);
    return wrapper;
  }

  /** Replaces proto[name] (a method) with make(original), keeping attributes. */
  function patchMethod(proto, name, make) {
    const d = proto && getDesc(proto, name);
    if (!d || !isFunction(d.value)) return null;
    const w = disguise(make(d.value), d.value);
    defineProperty(proto, name, { value: w, writable: d.writable, enumerable: d.enumerable, configurable: d.configurable });
    return d.value;
  }

  /** Replaces a getter (and keeps the setter) on proto[name]. */
  function patchGetter(proto, name, make) {
    const d = proto && getDesc(proto, name);
    if (!d || !isFunction(d.get)) return null;
    const w = disguise(make(d.get), d.get);
    defineProperty(proto, name, { get: w, set: d.set, enumerable: d.enumerable, configurable: d.configurable });
    return d.get;
  }

  /** Method shorthand gives non-constructible functions without `prototype`, like native methods. */
  const method = (fn) => ({ m(...a) { return apply(fn, this, a); } }).m;
  const getter = (fn) => getDesc({ get g() { return apply(fn, this, []); } }, 'g').get;

  // ------------------------------------------------------------------ per-connection event queue
  function track(pc, realm) {
    const st = {
      __proto__: null,
      realm,
      queue: new M(), // seq -> entry, delivered in order
      head: 0,
      tail: 0,
      gathering: 'new',
      sdpByNative: new M(), // native local SDP -> core-filtered SDP (of `sdpEpoch`)
      sdpEpoch: epoch,
      lastNative: null, // the native SDP of lastFiltered
      lastKey: null, // lastNative without candidates, computed at the first getter miss (off the event path)
      lastFiltered: null,
      handlers: { __proto__: null }, // event type -> { h: the page's on<type> handler, l: our listener that calls it }
      quiet: false, // the popup self-test's own connection: its candidates do not feed the badge
      live: false, // this instance has held a browser event of this connection (else an inner instance does, see onNative)
    };
    wmSet(pcs, pc, st);
    // Only the browser's own (trusted) events are held. An untrusted one was dispatched by script: by
    // this layer, by another IceVeil instance that already filtered it (a realm wrapped twice: the
    // parent's instance at about:blank and the frame's own, after a same-origin navigation reused
    // the Window), or by the page, which then knows its content already. Holding those too made two
    // instances re-dispatch each other's events forever.
    const onNative = (e) => {
      if (wsHas(ours, e) || e.isTrusted !== true) return;
      st.live = true;
      stopImmediate(e);
      enqueue(pc, st, e);
    };
    addListener(pc, 'icecandidate', onNative, true);
    addListener(pc, 'icegatheringstatechange', onNative, true);
    addListener(pc, 'icecandidateerror', onNative, true);
    return st;
  }

  /** Forgets this connection's filtered SDPs if the mode changed since they were judged. */
  function sdpsOfThisMode(st) {
    if (st.sdpEpoch === epoch) return;
    st.sdpEpoch = epoch;
    st.sdpByNative = new M();
    st.lastNative = null;
    st.lastKey = null;
    st.lastFiltered = null;
  }

  function rememberSdp(st, native, filtered) {
    if (typeof native !== 'string' || typeof filtered !== 'string') return;
    sdpsOfThisMode(st);
    if (mapSize(st.sdpByNative) > 32) st.sdpByNative = new M();
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

  function nativeLocalSdp(pc, st) {
    try {
      const d = apply(st.realm.localDescriptionGet, pc, []);
      return d ? apply(st.realm.sdpGet, d, []) : null;
    } catch {
      return null;
    }
  }

  function enqueue(pc, st, e) {
    const realm = st.realm;
    const seq = st.tail;
    st.tail += 1;
    const entry = { __proto__: null, ready: false, out: null, state: null, nativeSdp: null, filteredSdp: null, sdpEpoch: -1 };
    mapSet(st.queue, seq, entry);
    const done = () => { entry.ready = true; flush(pc, st); };
    const type = e.type;
    try {
      if (type === 'icegatheringstatechange') {
        entry.state = apply(realm.gatheringGet, pc, []);
        entry.out = construct(realm.Event, ['icegatheringstatechange']);
        if (entry.state !== 'complete') { done(); return; }
        withSdp(pc, st, entry, done);
        return;
      }
      if (type === 'icecandidateerror') {
        const address = e.address;
        const port = e.port;
        const init = { address, port, url: e.url, errorCode: e.errorCode, errorText: e.errorText };
        if (!isFunction(realm.IceErrorEvent)) { done(); return; }
        if (!address) { entry.out = construct(realm.IceErrorEvent, ['icecandidateerror', init]); done(); return; }
        promiseThen(ask('addresses', address), (hidden) => {
          try {
            if (hidden !== false) { init.address = null; init.port = null; }
            entry.out = construct(realm.IceErrorEvent, ['icecandidateerror', init]);
          } catch {
            entry.out = null;
          }
          done();
        });
        return;
      }
      if (type !== 'icecandidate') { done(); return; }
      const cand = apply(realm.iceEventCandidateGet, e, []);
      const text = cand ? apply(realm.candidateGet, cand, []) : null;
      if (!cand || text === '') {
        // End of candidates (null, or Firefox's empty string): after everything held, with a filtered SDP.
        entry.out = construct(realm.IceEvent, ['icecandidate', { candidate: cand }]);
        withSdp(pc, st, entry, done);
        return;
      }
      // A channel that answers synchronously filters the SDP when the page reads it; otherwise it is
      // filtered now, so that a read in the page's handler finds the core's copy.
      entry.nativeSdp = syncReplies ? null : nativeLocalSdp(pc, st);
      const verdictP = ask(st.quiet ? 'extra' : 'counted', text);
      const sdpP = entry.nativeSdp ? ask('sdps', entry.nativeSdp) : resolved(null);
      promiseThen(verdictP, (v) => {
        promiseThen(sdpP, (f) => {
          try {
            entry.filteredSdp = isSdpReply(f) ? f.sdp : null;
            entry.sdpEpoch = epoch;
            const action = verdictAction(v);
            let out = null;
            if (action === 'allow') out = cand;
            else if (action === 'rewrite' && rewritten(v) !== null) {
              out = construct(realm.IceCandidate, [{
                candidate: rewritten(v),
                sdpMid: apply(realm.sdpMidGet, cand, []),
                sdpMLineIndex: apply(realm.sdpMLineIndexGet, cand, []),
                usernameFragment: realm.ufragGet ? apply(realm.ufragGet, cand, []) : undefined,
              }]);
            }
            entry.out = out ? construct(realm.IceEvent, ['icecandidate', { candidate: out }]) : null;
          } catch {
            entry.out = null;
          }
          done();
        });
      });
    } catch {
      entry.out = null;
      done();
    }
  }

  function withSdp(pc, st, entry, done) {
    if (syncReplies) { done(); return; } // the getters ask the core when the page reads
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
    promiseThen(ask('sdps', entry.nativeSdp), (f) => {
      entry.filteredSdp = isSdpReply(f) ? f.sdp : null;
      entry.sdpEpoch = epoch;
      done();
    });
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

  // ------------------------------------------------------------------ synchronous SDP getters
  function filteredDescription(pc, d, realm) {
    const sdp = apply(realm.sdpGet, d, []);
    const type = apply(realm.typeGet, d, []);
    const st = wmGet(pcs, pc);
    let out;
    if (st) {
      out = knownSdp(st, sdp);
      if (out === undefined) {
        // Not filtered yet: a synchronous channel answers now; else the next read gets the core's copy.
        const keep = (f) => { if (isSdpReply(f)) rememberSdp(st, sdp, f.sdp); };
        const now = askNow('sdps', sdp, keep);
        if (now === undefined) promiseThen(ask('sdps', sdp), keep);
        else if (now !== PENDING && isSdpReply(now)) {
          keep(now);
          out = now.sdp;
        }
        // Meanwhile: an older filtered SDP of the same session, else no candidate at all (below).
        if (out === undefined && st.lastFiltered !== null && sessionKey(st) === sdpWithoutCandidates(sdp)) out = st.lastFiltered;
      }
    }
    if (out === undefined) out = sdpWithoutCandidates(sdp);
    if (out === sdp) return d;
    return construct(realm.SessionDescription, [{ type, sdp: out }]);
  }

  /** createOffer/createAnswer results: passed as they are unless they carry candidates, else filtered by the core. */
  function filterDescriptionPromise(pc, p, realm) {
    return new P((resolve, reject) => {
      promiseThen(p, (d) => {
        try {
          // Chromium resolves with a plain RTCSessionDescriptionInit, Firefox with an RTCSessionDescription.
          let plain = false;
          let sdp;
          let type;
          try {
            sdp = apply(realm.sdpGet, d, []);
            type = apply(realm.typeGet, d, []);
          } catch {
            plain = true;
            sdp = d && hasOwn(d, 'sdp') ? d.sdp : null;
            type = d && hasOwn(d, 'type') ? d.type : null;
          }
          if (typeof sdp !== 'string' || strIndexOf(sdp, 'a=candidate') < 0) { resolve(d); return; }
          promiseThen(ask('sdps', sdp), (f) => {
            const out = isSdpReply(f) ? f.sdp : sdpWithoutCandidates(sdp);
            resolve(plain ? { type, sdp: out } : construct(realm.SessionDescription, [{ type, sdp: out }]));
          });
        } catch (err) {
          reject(err);
        }
      }, (err) => { reject(err); });
    });
  }

  // ------------------------------------------------------------------ stats
  function candidateOfStat(s) {
    const address = typeof s.address === 'string' ? s.address : typeof s.ip === 'string' ? s.ip : '';
    const raddr = typeof s.relatedAddress === 'string' ? s.relatedAddress : '';
    if (!address && !raddr) return null;
    let c = `candidate:1 1 ${s.protocol || 'udp'} 1 ${address || '0.0.0.0'} ${s.port || 9} typ ${s.candidateType || 'host'}`;
    if (raddr) c += ` raddr ${raddr} rport ${s.relatedPort || 0}`;
    return c;
  }

  function filterStatsPromise(p, realm) {
    return new P((resolve, reject) => {
      promiseThen(p, (report) => {
        try {
          const entries = new M();
          const judged = list();
          apply(realm.statsForEach, report, [(value, key) => {
            mapSet(entries, key, value);
            const type = value && value.type;
            if (type === 'local-candidate' || type === 'remote-candidate') {
              const c = candidateOfStat(value);
              if (c) push(judged, { __proto__: null, key, value, p: ask('extra', c) });
            }
          }]);
          let left = judged.n;
          const finish = () => {
            wmSet(reports, report, entries);
            resolve(report);
          };
          if (!left) { finish(); return; }
          for (let i = 0; i < judged.n; i += 1) {
            const j = judged[i];
            promiseThen(j.p, (v) => {
              try {
                const action = verdictAction(v);
                if (action === 'allow') { /* unchanged */ } else if (action === 'rewrite' && rewritten(v) !== null) {
                  const f = candidateFields(rewritten(v));
                  const hadAddress = typeof j.value.address === 'string' && j.value.address !== '';
                  if (hadAddress) j.value.address = f.address;
                  if (typeof j.value.ip === 'string' && j.value.ip !== '') j.value.ip = f.address;
                  if (hasOwn(j.value, 'relatedAddress')) {
                    if (f.raddr === null) { delete j.value.relatedAddress; delete j.value.relatedPort; } else {
                      j.value.relatedAddress = f.raddr;
                      j.value.relatedPort = +f.rport;
                    }
                  }
                } else {
                  mapDelete(entries, j.key);
                }
              } catch {
                mapDelete(entries, j.key);
              }
              left -= 1;
              if (!left) finish();
            });
          }
        } catch (err) {
          reject(err);
        }
      }, (err) => { reject(err); });
    });
  }

  // ------------------------------------------------------------------ synchronous transport getters
  /** A candidate as the page may see it, from the verdicts already known; unknown ones are dropped (and asked about). */
  function candidateSync(c, realm) {
    if (!c) return c;
    let text;
    try {
      text = apply(realm.candidateGet, c, []);
    } catch {
      return null;
    }
    if (!mapHas(verdictCache, text) && askNow('extra', text) === undefined) ask('extra', text);
    if (!mapHas(verdictCache, text)) return null;
    const v = mapGet(verdictCache, text);
    const action = verdictAction(v);
    if (action === 'allow') return c;
    if (action === 'rewrite' && rewritten(v) !== null) {
      return construct(realm.IceCandidate, [{
        candidate: rewritten(v),
        sdpMid: apply(realm.sdpMidGet, c, []),
        sdpMLineIndex: apply(realm.sdpMLineIndexGet, c, []),
      }]);
    }
    return null;
  }

  // ------------------------------------------------------------------ realm installation
  function install(win) {
    const F = win.Function;
    if (!F || wsHas(covered, F)) return;
    wsAdd(covered, F);
    const native = win.RTCPeerConnection;
    // A realm whose own content script already ran (or the page replaced the constructor) is left alone.
    if (isFunction(native) && !isNativeFn(native)) return;
    if (win !== W && !hasOwn(W, 'RTCPeerConnection')) {
      // disable mode removed the constructors here (content/disable.js): a child realm mirrors that.
      each(['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCDataChannel'], (name) => {
        try { delete win[name]; } catch { /* not configurable: the core still drops everything */ }
      });
    }
    hideToString(win);
    if (!isFunction(win.RTCPeerConnection)) { hookFrames(win); return; }
    wrapRtc(win, native);
    hookFrames(win);
  }

  function hideToString(win) {
    const proto = win.Function.prototype;
    const original = proto.toString;
    const w = method(function toString() {
      if (wmHas(spoof, this)) return fnSource(wmGet(spoof, this));
      return apply(original, this, arguments);
    });
    disguise(w, original);
    defineProperty(proto, 'toString', { value: w, writable: true, enumerable: false, configurable: true });
  }

  function realmOf(win) {
    const g = (proto, name) => {
      const d = proto && getDesc(proto, name);
      return d ? d.get : undefined;
    };
    const pcProto = win.RTCPeerConnection.prototype;
    return {
      __proto__: null,
      Event: win.Event,
      IceEvent: win.RTCPeerConnectionIceEvent,
      IceErrorEvent: win.RTCPeerConnectionIceErrorEvent,
      IceCandidate: win.RTCIceCandidate,
      SessionDescription: win.RTCSessionDescription,
      iceEventCandidateGet: g(win.RTCPeerConnectionIceEvent.prototype, 'candidate'),
      candidateGet: g(win.RTCIceCandidate.prototype, 'candidate'),
      sdpMidGet: g(win.RTCIceCandidate.prototype, 'sdpMid'),
      sdpMLineIndexGet: g(win.RTCIceCandidate.prototype, 'sdpMLineIndex'),
      ufragGet: g(win.RTCIceCandidate.prototype, 'usernameFragment'),
      sdpGet: g(win.RTCSessionDescription.prototype, 'sdp'),
      typeGet: g(win.RTCSessionDescription.prototype, 'type'),
      localDescriptionGet: g(pcProto, 'localDescription'),
      gatheringGet: g(pcProto, 'iceGatheringState'),
      statsForEach: win.RTCStatsReport ? win.RTCStatsReport.prototype.forEach : undefined,
      // Natives for the popup self-test's own connection (taken before the page or this file patches them).
      createOffer: pcProto.createOffer,
      setLocalDescription: pcProto.setLocalDescription,
      createDataChannel: pcProto.createDataChannel,
      close: pcProto.close,
    };
  }

  function wrapRtc(win, Native) {
    const realm = realmOf(win);
    const proto = Native.prototype;
    const Wrapper = function RTCPeerConnection() {
      if (new.target === undefined) return apply(Native, this, arguments);
      const pc = construct(Native, arguments, new.target === Wrapper ? Native : new.target);
      track(pc, realm);
      warm();
      return pc;
    };
    disguise(Wrapper, Native);
    defineProperty(Wrapper, 'prototype', { value: proto, writable: false });
    setProto(Wrapper, getProto(Native));
    const statics = ownKeys(Native);
    for (let i = 0; i < statics.length; i += 1) {
      const k = statics[i];
      if (k === 'length' || k === 'name' || k === 'prototype' || k === 'arguments' || k === 'caller') continue;
      defineProperty(Wrapper, k, getDesc(Native, k));
    }
    const cd = getDesc(proto, 'constructor');
    defineProperty(proto, 'constructor', { value: Wrapper, writable: cd.writable, enumerable: cd.enumerable, configurable: cd.configurable });
    each(['RTCPeerConnection', 'webkitRTCPeerConnection'], (name) => {
      const d = getDesc(win, name);
      if (d && d.value === Native) defineProperty(win, name, { value: Wrapper, writable: d.writable, enumerable: d.enumerable, configurable: d.configurable });
    });

    if (win === W) selfTestCtor = { __proto__: null, Wrapper, realm };

    // Event handler attributes of the re-dispatched events. Firefox's RTCPeerConnection is a
    // JS-implemented WebIDL interface: its on<type> setter registers the handler from chrome code,
    // and such a handler never receives an untrusted event, i.e. none of ours (pc.onicecandidate
    // would see no candidate at all, and calls would fail). So for a tracked connection the
    // handler is kept here and called from an ordinary listener that sits where the attribute's
    // listener would (added at the first non-null set, removed at null), in both browsers.
    each(['icecandidate', 'icegatheringstatechange', 'icecandidateerror'], (type) => {
      const d = getDesc(proto, `on${type}`);
      if (!d || !isFunction(d.get) || !isFunction(d.set)) return;
      const origGet = d.get;
      const origSet = d.set;
      const get = disguise(getter(function () {
        const v = apply(origGet, this, []); // brand check, as the native getter
        const st = wmGet(pcs, this);
        if (!st) return v;
        const slot = st.handlers[type];
        return slot ? slot.h : null;
      }), origGet);
      const set = disguise(getDesc({ set s(h) {
        apply(origGet, this, []); // brand check
        const st = wmGet(pcs, this);
        if (!st) { apply(origSet, this, [h]); return; }
        const value = isFunction(h) || (typeof h === 'object' && h !== null) ? h : null; // [LegacyTreatNonObjectAsNull]
        const slot = st.handlers[type];
        if (value === null) {
          if (slot) { removeListener(this, type, slot.l); st.handlers[type] = null; }
          return;
        }
        if (slot) { slot.h = value; return; }
        const fresh = { __proto__: null, h: value, l: null };
        fresh.l = function (e) {
          const fn = fresh.h;
          if (!isFunction(fn)) return;
          if (apply(fn, this, [e]) === false) preventDefault(e);
        };
        st.handlers[type] = fresh;
        addListener(this, type, fresh.l);
      } }, 's').set, origSet);
      defineProperty(proto, `on${type}`, { get, set, enumerable: d.enumerable, configurable: d.configurable });
    });

    each(['localDescription', 'currentLocalDescription', 'pendingLocalDescription'], (name) => {
      patchGetter(proto, name, (orig) => getter(function () {
        const d = apply(orig, this, []);
        if (!d) return d;
        return filteredDescription(this, d, realm);
      }));
    });
    patchGetter(proto, 'iceGatheringState', (orig) => getter(function () {
      const state = apply(orig, this, []);
      const st = wmGet(pcs, this);
      return st && st.live ? st.gathering : state; // not live: `orig` is an inner instance's getter, which knows
    }));
    each(['createOffer', 'createAnswer'], (name) => {
      patchMethod(proto, name, (orig) => method(function () {
        const a = arguments;
        if (isFunction(a[0])) {
          // Legacy callback form: run the promise form and call back with the filtered description.
          const ok = a[0];
          const fail = a[1];
          const p = filterDescriptionPromise(this, apply(orig, this, [a[2]]), realm);
          return new P((resolve) => {
            promiseThen(p, (d) => { resolve(); ok(d); }, (e) => { resolve(); if (isFunction(fail)) fail(e); });
          });
        }
        return filterDescriptionPromise(this, apply(orig, this, a), realm);
      }));
    });
    const statsWrap = (orig) => method(function () {
      if (isFunction(arguments[0])) return new P((_, reject) => reject(new win.TypeError('getStats: legacy callbacks are not supported')));
      return filterStatsPromise(apply(orig, this, arguments), realm);
    });
    patchMethod(proto, 'getStats', statsWrap);
    if (win.RTCRtpSender) patchMethod(win.RTCRtpSender.prototype, 'getStats', statsWrap);
    if (win.RTCRtpReceiver) patchMethod(win.RTCRtpReceiver.prototype, 'getStats', statsWrap);

    // RTCStatsReport: reports that went through the wrapper show only their filtered entries.
    if (win.RTCStatsReport) {
      const sp = win.RTCStatsReport.prototype;
      // A report this instance did not filter (another realm's content script did): filtered here
      // from the verdicts already known; unknown candidate entries are dropped (fail closed).
      const entriesOf = (r) => {
        if (wmHas(reports, r)) return wmGet(reports, r);
        const m = new M();
        try {
          apply(realm.statsForEach, r, [(value, key) => {
            const type = value && value.type;
            const c = type === 'local-candidate' || type === 'remote-candidate' ? candidateOfStat(value) : null;
            if (c === null) { mapSet(m, key, value); return; }
            const v = mapHas(verdictCache, c) ? mapGet(verdictCache, c) : null;
            if (v === null) ask('extra', c);
            if (verdictAction(v) === 'allow') mapSet(m, key, value);
          }]);
        } catch {
          return undefined;
        }
        wmSet(reports, r, m);
        return m;
      };
      patchGetter(sp, 'size', (orig) => getter(function () {
        const m = entriesOf(this);
        return m ? mapSize(m) : apply(orig, this, []);
      }));
      each([
        ['get', (m, a) => mapGet(m, a[0])],
        ['has', (m, a) => mapHas(m, a[0])],
        ['forEach', (m, a, self) => {
          const cb = a[0];
          const thisArg = a[1];
          if (!isFunction(cb)) return apply(realm.statsForEach, self, a);
          mapForEach(m, (v, k) => { apply(cb, thisArg, [v, k, self]); });
          return undefined;
        }],
        ['entries', (m) => mapEntries(m)],
        ['keys', (m) => mapKeys(m)],
        ['values', (m) => mapValues(m)],
      ], (pair) => {
        const name = pair[0];
        const impl = pair[1];
        const wasIterator = getDesc(sp, name) && sp[ITER] === sp[name];
        patchMethod(sp, name, (orig) => method(function () {
          const m = entriesOf(this);
          return m ? impl(m, arguments, this) : apply(orig, this, arguments);
        }));
        if (wasIterator) {
          const d = getDesc(sp, ITER);
          defineProperty(sp, ITER, { value: sp[name], writable: d.writable, enumerable: d.enumerable, configurable: d.configurable });
        }
      });
    }

    // RTCIceTransport (pc.sctp.transport.iceTransport, sender/receiver.transport.iceTransport).
    if (win.RTCIceTransport) {
      const tp = win.RTCIceTransport.prototype;
      each(['getLocalCandidates', 'getRemoteCandidates'], (name) => {
        patchMethod(tp, name, (orig) => method(function () {
          const arr = apply(orig, this, arguments);
          if (!arr) return arr;
          let k = 0;
          for (let i = 0; i < arr.length; i += 1) {
            const c = candidateSync(arr[i], realm);
            if (c) { arr[k] = c; k += 1; }
          }
          arr.length = k;
          return arr;
        }));
      });
      patchMethod(tp, 'getSelectedCandidatePair', (orig) => method(function () {
        const pair = apply(orig, this, arguments);
        if (!pair) return pair;
        const local = candidateSync(pair.local, realm);
        const remote = candidateSync(pair.remote, realm);
        if (!local || !remote) return null;
        pair.local = local;
        pair.remote = remote;
        return pair;
      }));
    }
  }

  // ------------------------------------------------------------------ child realms the page can reach
  /** Wraps every same-origin frame under `win` (and theirs), synchronously. */
  function sweep(win, depth = 0) {
    let n = 0;
    try {
      n = windowLength(win);
    } catch {
      return;
    }
    for (let i = 0; i < n && depth < 8; i += 1) {
      let child;
      try {
        child = win[i];
        install(child);
      } catch {
        continue; // cross-origin: its own content scripts cover it
      }
      sweep(child, depth + 1);
    }
  }

  function touch(w) {
    if (!w) return;
    try {
      install(w);
      sweep(w);
    } catch {
      // cross-origin or gone
    }
  }

  function hookFrames(win) {
    each([win.HTMLIFrameElement, win.HTMLFrameElement, win.HTMLObjectElement], (C) => {
      if (!C) return;
      patchGetter(C.prototype, 'contentWindow', (orig) => getter(function () {
        const w = apply(orig, this, []);
        touch(w);
        return w;
      }));
      patchGetter(C.prototype, 'contentDocument', (orig) => getter(function () {
        const d = apply(orig, this, []);
        if (d) touch(d.defaultView);
        return d;
      }));
      if (C === win.HTMLObjectElement) {
        patchMethod(C.prototype, 'getSVGDocument', (orig) => method(function () {
          const d = apply(orig, this, arguments);
          if (d) touch(d.defaultView);
          return d;
        }));
      }
    });
    // DOM insertion: a frame inserted (and used) in the same task is wrapped before the call returns.
    // One function object per hooked method (no inner closure per method and realm).
    const after = (orig) => ({ m() {
      const r = apply(orig, this, arguments);
      sweep(win);
      return r;
    } }).m;
    const methods = [
      [win.Node, ['appendChild', 'insertBefore', 'replaceChild']],
      [win.Element, ['append', 'prepend', 'before', 'after', 'replaceWith', 'replaceChildren', 'insertAdjacentElement', 'insertAdjacentHTML', 'setHTMLUnsafe']],
      [win.Document, ['append', 'prepend', 'replaceChildren', 'write', 'writeln']],
      [win.DocumentFragment, ['append', 'prepend', 'replaceChildren']],
      [win.CharacterData, ['before', 'after', 'replaceWith']],
      [win.DocumentType, ['before', 'after', 'replaceWith']],
      [win.ShadowRoot, ['setHTMLUnsafe']],
      [win.Range, ['insertNode', 'surroundContents']],
    ];
    each(methods, (row) => {
      if (!row[0]) return;
      each(row[1], (name) => { patchMethod(row[0].prototype, name, after); });
    });
    each([[win.Element, ['innerHTML', 'outerHTML']], [win.ShadowRoot, ['innerHTML']]], (row) => {
      const C = row[0];
      if (!C) return;
      each(row[1], (name) => {
        const d = getDesc(C.prototype, name);
        if (!d || !isFunction(d.set)) return;
        const orig = d.set;
        const w = disguise(getDesc({ set s(v) { apply(orig, this, [v]); sweep(win); } }, 's').set, orig);
        defineProperty(C.prototype, name, { get: d.get, set: w, enumerable: d.enumerable, configurable: d.configurable });
      });
    });
    const od = getDesc(win, 'open');
    if (od && isFunction(od.value)) {
      const orig = od.value;
      const w = disguise(method(function () {
        const opened = apply(orig, this, arguments);
        touch(opened);
        return opened;
      }), orig);
      defineProperty(win, 'open', { value: w, writable: od.writable, enumerable: od.enumerable, configurable: od.configurable });
    }
  }

  // ------------------------------------------------------------------ go
  // The native contentWindow getters, for the observer below (taken before hookFrames patches them).
  const frameWindow = { __proto__: null };
  try {
    each([['iframe', W.HTMLIFrameElement], ['frame', W.HTMLFrameElement], ['object', W.HTMLObjectElement]], (row) => {
      if (row[1]) frameWindow[row[0]] = uncurry(getDesc(row[1].prototype, 'contentWindow').get);
    });
  } catch {
    // a missing getter: its elements fall back to the full sweep (embed-like)
  }
  install(W);
  // Parser-inserted frames: a microtask checkpoint runs before each parser-inserted script, so the
  // observer wraps a static <iframe> before the next script can reach it. Only while parsing.
  // Incremental: each callback wraps only the frames its records added (O(1) per new frame), and
  // falls back to the full sweep whenever the frame count does not add up (removals, frames the
  // records do not show: shadow roots, <object>/<embed> that got a browsing context later, errors).
  try {
    const MO = W.MutationObserver;
    const recordGet = (name) => uncurry(getDesc(W.MutationRecord.prototype, name).get);
    const addedNodes = recordGet('addedNodes');
    const removedNodes = recordGet('removedNodes');
    const nodeListLength = uncurry(getDesc(W.NodeList.prototype, 'length').get);
    const nodeListItem = uncurry(W.NodeList.prototype.item);
    const nodeType = uncurry(getDesc(W.Node.prototype, 'nodeType').get);
    const localName = uncurry(getDesc(W.Element.prototype, 'localName').get);
    const counted = new WS(); // child WindowProxies already counted in `known` (a re-inserted frame gets a new one)
    let known = windowLength(W);
    if (known) sweep(W);
    const onRecords = (records) => {
      let full = false;
      let found = 0;
      try {
        for (let r = 0; r < records.length; r += 1) {
          const rec = records[r];
          if (nodeListLength(removedNodes(rec))) full = true;
          const added = addedNodes(rec);
          const k = nodeListLength(added);
          for (let j = 0; j < k; j += 1) {
            const node = nodeListItem(added, j);
            if (nodeType(node) !== 1) continue;
            const name = localName(node);
            if (name === 'embed') { full = true; continue; }
            const get = frameWindow[name];
            if (!get) {
              if (name === 'iframe' || name === 'frame' || name === 'object') full = true;
              continue;
            }
            let child = null;
            try { child = get(node); } catch { full = true; continue; } // e.g. a foreign-namespace element of that name
            if (!child || wsHas(counted, child)) continue;
            wsAdd(counted, child);
            found += 1;
            touch(child);
          }
        }
      } catch {
        full = true;
      }
      const n = windowLength(W);
      if (full || n !== known + found) sweep(W);
      known = n;
    };
    const mo = new MO(onRecords);
    apply(MO.prototype.observe, mo, [doc, { childList: true, subtree: true }]);
    const stop = () => {
      // The records not yet delivered are handled like a callback (the same count check and fallback).
      const pending = apply(MO.prototype.takeRecords, mo, []);
      apply(MO.prototype.disconnect, mo, []);
      onRecords(pending);
      removeListener(doc, 'DOMContentLoaded', stop, true);
    };
    addListener(doc, 'DOMContentLoaded', stop, true);
  } catch {
    // no observer: insertion hooks and getters still apply
    sweep(W);
  }
})();
