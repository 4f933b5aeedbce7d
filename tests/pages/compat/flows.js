// The compatibility suite's flows (data channel, audio+video, ICE restart, renegotiation, many connections) driven through a real library on both ends; signals go through the test process (take/give) or the library's own server.
/* global SimplePeer, Peer */
'use strict';

const LIB = new URLSearchParams(location.search).get('lib') || 'adapter';
const outbox = [];
const send = (m) => { outbox.push(JSON.parse(JSON.stringify(m))); };
/** The test process takes what this page sends to the other one. */
window.take = () => outbox.splice(0, outbox.length);
let onSignal = () => {};
let chain = Promise.resolve();
/** The test process delivers what the other page sent (handled one at a time, in order). */
window.give = (msgs) => {
  for (const m of msgs) chain = chain.then(() => onSignal(m)).catch((e) => { window.errors.push(String(e && e.stack || e)); });
  return msgs.length;
};
window.errors = [];
window.result = null;

// Every RTCPeerConnection any library creates, weakly: after close, how many are still not closed.
const created = [];
const Native = window.RTCPeerConnection;
window.RTCPeerConnection = function RTCPeerConnection(...args) {
  const pc = new Native(...args);
  created.push(new WeakRef(pc));
  return pc;
};
window.RTCPeerConnection.prototype = Native.prototype;
Object.setPrototypeOf(window.RTCPeerConnection, Native);
window.openConnections = () => created.map((r) => r.deref()).filter((pc) => pc && pc.connectionState !== 'closed').length;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const withTimeout = (p, ms) => Promise.race([p, sleep(ms).then(() => null)]);
async function waitFor(fn, ms = 15000, what = 'condition') {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(100);
  }
}
const media = () => navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } });
const text = (d) => (typeof d === 'string' ? d : new TextDecoder().decode(d));

async function framesDecoded(pc) {
  let n = 0;
  (await pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') n += s.framesDecoded || 0; });
  return n;
}
const hasFrames = (pc) => waitFor(async () => (await framesDecoded(pc)) > 0, 15000, 'decoded video frames');

const candInfo = (c) => (c ? { type: c.type ?? null, address: c.address ?? null, port: c.port ?? null, relatedAddress: c.relatedAddress ?? null, candidate: c.candidate ?? null } : null);

/** The selected pair as getStats shows it: its id and both candidate entries. */
async function statsPair(pc) {
  const stats = await pc.getStats();
  let pair = null;
  stats.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId) || pair; });
  if (!pair) stats.forEach((s) => { if (s.type === 'candidate-pair' && s.selected) pair = s; });
  if (!pair) stats.forEach((s) => { if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s; });
  if (!pair) return null;
  const entry = (id) => { const e = stats.get(id); return e ? { type: e.candidateType, address: e.address ?? e.ip ?? null, port: e.port ?? null, relatedAddress: e.relatedAddress ?? null, ufrag: e.usernameFragment ?? null } : null; };
  const local = entry(pair.localCandidateId);
  const remote = entry(pair.remoteCandidateId);
  return { id: pair.id, key: JSON.stringify([pair.localCandidateId, pair.remoteCandidateId, local?.port, local?.ufrag, remote?.ufrag]), local, remote };
}

// What getSelectedCandidatePair() returned, read once inside each onselectedcandidatepairchange.
window.pairLog = [];
let pairLabel = 'first';
function watchPair(pc) {
  const t = pc.sctp?.transport?.iceTransport ?? pc.getSenders().find((s) => s.transport)?.transport?.iceTransport;
  if (!t || typeof t.getSelectedCandidatePair !== 'function') { window.pairLog.push({ label: pairLabel, unsupported: true }); return; }
  t.onselectedcandidatepairchange = () => {
    const p = t.getSelectedCandidatePair();
    window.pairLog.push({ label: pairLabel, state: t.state, pair: p ? { local: candInfo(p.local), remote: candInfo(p.remote) } : null });
  };
  window.pairLocals = () => ({ local: t.getLocalCandidates().map(candInfo), remote: t.getRemoteCandidates().map(candInfo) });
}

// ---------------------------------------------------------------- raw RTCPeerConnection (webrtc-adapter loaded)
const gathered = (pc) => (pc.iceGatheringState === 'complete' ? Promise.resolve()
  : new Promise((r) => { pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') r(); }); setTimeout(r, 8000); }));
let nextReply = null;
const reply = () => new Promise((r) => { nextReply = r; });
async function offerAnswer(pc, id, opts) {
  await pc.setLocalDescription(await pc.createOffer(opts));
  await gathered(pc);
  const got = reply();
  send({ id, sdp: pc.localDescription.toJSON() });
  await pc.setRemoteDescription((await got).sdp);
}
const dcMessage = (dc, want) => new Promise((r) => { dc.addEventListener('message', (e) => { if (text(e.data) === want) r(want); }); });

const rawNear = {
  async dc(cfg) {
    const pc = new RTCPeerConnection(cfg);
    const dc = pc.createDataChannel('chat');
    const hello = dcMessage(dc, 'hello');
    await offerAnswer(pc, 'dc');
    watchPair(pc);
    if (!(await withTimeout(hello, 15000))) throw new Error('no data channel message');
    const pair = await statsPair(pc);
    pc.close();
    return { ok: true, pair };
  },
  async av(cfg) {
    const pc = new RTCPeerConnection(cfg);
    const s = await media();
    s.getTracks().forEach((t) => pc.addTrack(t, s));
    await offerAnswer(pc, 'av');
    await hasFrames(pc);
    const frames = await framesDecoded(pc);
    s.getTracks().forEach((t) => t.stop());
    pc.close();
    return { ok: frames > 0, frames };
  },
  async restart(cfg) {
    const pc = new RTCPeerConnection(cfg);
    const dc = pc.createDataChannel('chat');
    const hello = dcMessage(dc, 'hello');
    await offerAnswer(pc, 'restart');
    watchPair(pc);
    if (!(await withTimeout(hello, 10000))) throw new Error('no data channel message');
    const before = await waitFor(() => statsPair(pc), 10000, 'the first selected pair');
    pairLabel = 'restart';
    pc.restartIce();
    await offerAnswer(pc, 'restart');
    let after = null;
    try {
      after = await waitFor(async () => { const p = await statsPair(pc); return p && p.key !== before.key ? p : null; }, 6000, 'a new selected pair');
    } catch { after = null; }
    const pong = dcMessage(dc, 'pong');
    dc.send('ping');
    const ponged = await withTimeout(pong, 6000);
    pc.close();
    return { ok: Boolean(after) && ponged === 'pong', pairChanged: Boolean(after), afterRestartMessage: ponged === 'pong', before, after };
  },
  async reneg(cfg) {
    const pc = new RTCPeerConnection(cfg);
    const dc = pc.createDataChannel('chat');
    const hello = dcMessage(dc, 'hello');
    await offerAnswer(pc, 'reneg');
    if (!(await withTimeout(hello, 10000))) throw new Error('no data channel message');
    const frames = dcMessage(dc, 'frames');
    const s = await media();
    s.getVideoTracks().forEach((t) => pc.addTrack(t, s));
    await offerAnswer(pc, 'reneg');
    const got = await withTimeout(frames, 12000);
    s.getTracks().forEach((t) => t.stop());
    pc.close();
    return { ok: got === 'frames' };
  },
  async many(cfg, n) {
    let messages = 0;
    for (let i = 0; i < n; i += 1) {
      const pc = new RTCPeerConnection(cfg);
      const dc = pc.createDataChannel('chat');
      const hello = dcMessage(dc, 'hello');
      await offerAnswer(pc, `many${i}`);
      if (await Promise.race([hello, sleep(10000).then(() => null)])) messages += 1;
      pc.close();
      send({ id: `many${i}`, close: true });
    }
    await sleep(300);
    const open = window.openConnections();
    return { ok: messages === n && open === 0, messages, open };
  },
};

function rawFar(cfg) {
  const pcs = new Map();
  onSignal = async (m) => {
    if (!m.id) return;
    if (m.close) { pcs.get(m.id)?.close(); pcs.delete(m.id); return; }
    let pc = pcs.get(m.id);
    if (!pc) {
      pc = new RTCPeerConnection(cfg);
      pcs.set(m.id, pc);
      const p = pc;
      p.ondatachannel = (e) => {
        const dc = e.channel;
        p.farDc = dc;
        dc.onopen = () => dc.send('hello');
        dc.onmessage = (ev) => { if (text(ev.data) === 'ping') dc.send('pong'); };
      };
      p.ontrack = () => { if (!p.watching) { p.watching = true; hasFrames(p).then(() => p.farDc?.send('frames'), () => {}); } };
      if (m.id === 'av') { const s = await media(); s.getTracks().forEach((t) => p.addTrack(t, s)); }
    }
    if (m.sdp) {
      await pc.setRemoteDescription(m.sdp);
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc);
      send({ id: m.id, sdp: pc.localDescription.toJSON() });
    }
  };
}

// ---------------------------------------------------------------- simple-peer
const spEvent = (p, ev, pred = () => true) => new Promise((r) => { p.on(ev, (...a) => { if (pred(...a)) r(a); }); });
let spPeers = new Map();
function spNearPeer(cfg, id, stream) {
  const p = new SimplePeer({ initiator: true, trickle: false, config: cfg, stream });
  p.on('signal', (data) => send({ id, sp: data }));
  p.on('error', (e) => window.errors.push(String(e)));
  spPeers.set(id, p);
  return p;
}
const spNear = {
  async dc(cfg) {
    const p = spNearPeer(cfg, 'dc');
    const got = await withTimeout(spEvent(p, 'data', (d) => text(d) === 'hello'), 15000);
    p.destroy();
    return { ok: Boolean(got) };
  },
  async av(cfg) {
    const s = await media();
    const p = spNearPeer(cfg, 'av', s);
    await withTimeout(spEvent(p, 'stream'), 15000);
    await hasFrames(p._pc);
    const frames = await framesDecoded(p._pc);
    p.destroy();
    s.getTracks().forEach((t) => t.stop());
    return { ok: frames > 0, frames };
  },
  async reneg(cfg) {
    const p = spNearPeer(cfg, 'reneg');
    await withTimeout(spEvent(p, 'connect'), 15000);
    const frames = spEvent(p, 'data', (d) => text(d) === 'frames');
    const s = await media();
    p.addStream(s);
    const got = await withTimeout(frames, 15000);
    p.destroy();
    s.getTracks().forEach((t) => t.stop());
    return { ok: Boolean(got) };
  },
  async many(cfg, n) {
    let messages = 0;
    for (let i = 0; i < n; i += 1) {
      const p = spNearPeer(cfg, `many${i}`);
      if (await withTimeout(spEvent(p, 'data', (d) => text(d) === 'hello'), 10000)) messages += 1;
      p.destroy();
      send({ id: `many${i}`, close: true });
    }
    await sleep(300);
    const open = window.openConnections();
    return { ok: messages === n && open === 0, messages, open };
  },
};
function spFar(cfg) {
  spPeers = new Map();
  onSignal = async (m) => {
    if (m.close) { spPeers.get(m.id)?.destroy(); spPeers.delete(m.id); return; }
    let p = spPeers.get(m.id);
    if (!p) {
      const stream = m.id === 'av' ? await media() : undefined;
      p = new SimplePeer({ initiator: false, trickle: false, config: cfg, stream });
      const q = p;
      spPeers.set(m.id, q);
      q.on('signal', (data) => send({ id: m.id, sp: data }));
      q.on('error', (e) => window.errors.push(String(e)));
      q.on('connect', () => q.send('hello'));
      q.on('stream', () => { hasFrames(q._pc).then(() => q.send('frames'), () => {}); });
    }
    if (m.sp) spPeers.get(m.id).signal(m.sp);
  };
}

// ---------------------------------------------------------------- peerjs (with its own server, the `peer` package)
let pjPeer = null;
function pjOpen(id, server, cfg) {
  const peer = new Peer(id, { host: server.host, port: server.port, path: server.path, secure: false, config: cfg, debug: 0 });
  peer.on('error', (e) => window.errors.push(String(e && e.type || e)));
  return new Promise((resolve, reject) => { peer.on('open', () => resolve(peer)); setTimeout(() => reject(new Error(`peerjs: no open (${window.errors.join('; ')})`)), 10000); });
}
const pjNear = {
  async dc(cfg, _n, far) {
    const conn = pjPeer.connect(far);
    const got = await withTimeout(new Promise((r) => conn.on('data', (d) => { if (d === 'hello') r(d); })), 15000);
    conn.close();
    return { ok: got === 'hello' };
  },
  async av(cfg, _n, far) {
    const s = await media();
    const call = pjPeer.call(far, s);
    await withTimeout(new Promise((r) => call.on('stream', r)), 15000);
    await hasFrames(call.peerConnection);
    const frames = await framesDecoded(call.peerConnection);
    call.close();
    s.getTracks().forEach((t) => t.stop());
    return { ok: frames > 0, frames };
  },
  async many(cfg, n, far) {
    let messages = 0;
    for (let i = 0; i < n; i += 1) {
      const conn = pjPeer.connect(far);
      if (await withTimeout(new Promise((r) => conn.on('data', (d) => { if (d === 'hello') r(d); })), 10000)) messages += 1;
      conn.close();
    }
    await sleep(1000);
    const open = window.openConnections();
    return { ok: messages === n && open === 0, messages, open };
  },
};

// ---------------------------------------------------------------- entry points for the test process
const NEAR = { adapter: rawNear, 'simple-peer': spNear, peerjs: pjNear };
/** The flows this page's library supports. */
window.flowsOf = () => Object.keys(NEAR[LIB]);

/** Far side: answers whatever the near page starts, with this library. */
window.startFar = async ({ cfg, server, id }) => {
  if (LIB === 'adapter') rawFar(cfg);
  else if (LIB === 'simple-peer') spFar(cfg);
  else {
    pjPeer = await pjOpen(id, server, cfg);
    pjPeer.on('connection', (c) => c.on('open', () => c.send('hello')));
    pjPeer.on('call', (call) => { media().then((s) => call.answer(s)); });
  }
  return true;
};

/** Near side: runs one flow; the outcome lands in window.result ({ok, ...} or {ok: false, error}). */
window.startNear = async ({ flow, cfg, n, server, id, far }) => {
  window.result = null;
  window.pairLog = [];
  pairLabel = 'first';
  if (LIB === 'peerjs' && !pjPeer) pjPeer = await pjOpen(id, server, cfg);
  else if (LIB !== 'peerjs') onSignal = (m) => { if (m.sdp && nextReply) { const r = nextReply; nextReply = null; r(m); } else if (m.sp) spPeers.get(m.id)?.signal(m.sp); };
  NEAR[LIB][flow](cfg, n, far).then(
    (r) => { window.result = { ...r, pairLog: window.pairLog, errors: window.errors }; },
    (e) => { window.result = { ok: false, error: String(e && e.message || e), pairLog: window.pairLog, errors: window.errors }; },
  );
  return true;
};
