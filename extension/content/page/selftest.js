// The popup self-test's page side, sealed: asked only over the private node, it gathers through this window's own wrapped constructor (what the site sees) with a connection, configuration and events no page code can reach, and answers only over the node.
// Touches raw data: yes (the judged candidates of its own connection, and the self-test's ICE servers).
import { lastMode, sendSelfTestResult, setSelfTestHandler } from './channel.js';
import { selfTestConstructor } from './realms.js';
import { ours, pcs } from './state.js';
import {
  ITER, W, addListener, apply, cancel, cat, construct, dataDesc, define, errorText, isObject, isString, jsonQuote,
  hasOwn, jsonStrings, later, list, obj, ownData, push, settle, wmGet, wsHas,
} from './toolkit.js';

/** A WebIDL sequence that consults no prototype (own @@iterator, null-prototype iterator and results). */
function safeSeq(l) {
  const s = obj();
  define(s, ITER, dataDesc(() => {
    let i = 0;
    const it = obj();
    it.next = () => {
      const r = obj();
      r.done = i >= l.n;
      r.value = r.done ? undefined : l[i];
      i += 1;
      return r;
    };
    return it;
  }, false, false, false));
  return s;
}

const str = (o, k) => { const v = ownData(o, k); return isString(v) ? v : null; };

/** The ICE servers of a request (JSON from isolated.js), as null-prototype dictionaries; at most 16, each at most 16 URLs. */
function safeServers(v) {
  const out = list();
  const n = ownData(v, 'length');
  if (typeof n !== 'number') return out;
  for (let i = 0; i < n && i < 16; i += 1) {
    const s = ownData(v, i);
    if (!isObject(s)) continue;
    const d = obj();
    const u = ownData(s, 'urls');
    if (isString(u)) d.urls = u;
    else if (isObject(u) && typeof ownData(u, 'length') === 'number') {
      const ul = list();
      const m = ownData(u, 'length');
      for (let j = 0; j < m && j < 16; j += 1) if (isString(ownData(u, j))) push(ul, ownData(u, j));
      d.urls = safeSeq(ul);
    } else continue;
    if (str(s, 'username') !== null) d.username = str(s, 'username');
    if (str(s, 'credential') !== null) d.credential = str(s, 'credential');
    push(out, d);
  }
  return out;
}

function onRequest(req) {
  const id = ownData(req, 'id');
  if (typeof id !== 'number') return;
  const servers = safeServers(ownData(req, 'iceServers'));
  const t = ownData(req, 'timeoutMs');
  let timeoutMs = typeof t === 'number' ? t : 8000;
  if (!(timeoutMs >= 1000)) timeoutMs = 1000;
  if (timeoutMs > 30000) timeoutMs = 30000;
  run(servers, timeoutMs, (cands, o) => {
    let body = cat(cat('{"id":', id), ',"candidates":');
    body = cat(body, jsonStrings(cands));
    body = cat(cat(body, ',"outcome":{"webrtcAvailable":'), o.webrtcAvailable ? 'true' : 'false');
    body = cat(cat(body, ',"completed":'), o.completed ? 'true' : 'false');
    body = cat(cat(body, ',"iceServers":'), o.iceServers);
    body = cat(cat(body, ',"candidateErrors":'), o.candidateErrors);
    body = cat(cat(cat(body, ',"error":'), o.error === null ? 'null' : jsonQuote(o.error)), '}}');
    sendSelfTestResult(body);
  });
}

function run(servers, timeoutMs, reply) {
  const cands = list();
  const o = obj();
  o.webrtcAvailable = false;
  o.completed = false;
  o.iceServers = servers.n;
  o.candidateErrors = 0;
  o.error = null;
  const ctor = selfTestConstructor();
  // disable mode: the page has no constructor (content/disable.js, before or after this layer), so neither does the self-test.
  if (!ctor || !hasOwn(W, 'RTCPeerConnection')) { reply(cands, o); return; }
  o.webrtcAvailable = true;
  const realm = ctor.realm;
  let pc = null;
  let finished = false;
  let timer = null;
  const finish = () => {
    if (finished) return;
    finished = true;
    if (timer !== null) cancel(timer);
    try { if (pc) apply(realm.close, pc, []); } catch { /* closed already */ }
    // The core judged under disable: WebRTC is not available to this page, whatever the constructor says.
    if (lastMode() === 'disable') { o.webrtcAvailable = false; cands.n = 0; }
    reply(cands, o);
  };
  const fail = (err) => {
    o.error = errorText(err);
    finish();
  };
  try {
    const config = obj();
    config.iceServers = safeSeq(servers);
    pc = construct(ctor.Wrapper, [config]);
    const st = wmGet(pcs, pc);
    if (!st) { fail(null); return; }
    st.quiet = true;
    // These listeners come after the wrapper's capture listener: they see only the events this layer
    // re-dispatched after the core's verdict, never one a page could have forged.
    addListener(pc, 'icecandidate', (e) => {
      if (!wsHas(ours, e)) return;
      const c = apply(realm.iceEventCandidateGet, e, []);
      if (!c) { o.completed = true; finish(); return; }
      const text = apply(realm.candidateGet, c, []);
      if (text && !finished) push(cands, text); // '' is Firefox's end marker, not a candidate
    });
    addListener(pc, 'icecandidateerror', (e) => { if (wsHas(ours, e)) o.candidateErrors += 1; });
    apply(realm.createDataChannel, pc, ['iceveil-selftest']);
    timer = later(finish, timeoutMs);
    // The parameterless form creates and applies the offer itself: no description passes through page-reachable code.
    if (!settle(apply(realm.setLocalDescription, pc, []), () => {}, fail)) fail(null);
  } catch (err) {
    fail(err);
  }
}

export function sealSelfTest() {
  setSelfTestHandler(onRequest);
}
