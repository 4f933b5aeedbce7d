// Leak-page helper: reads every surface a page can take an address from, with a given RTCPeerConnection constructor (possibly from another realm).
window.readAll = async function readAll(PC, { iceServers = [], timeoutMs = 5000, iceTransportPolicy = 'all', proto = null } = {}) {
  if (typeof PC !== 'function') return { available: false };
  const pc = new PC({ iceServers, iceTransportPolicy });
  const out = { available: true, candidates: [], states: [], errors: [], sdps: [], stats: [], order: [] };
  const done = new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    pc.addEventListener('icecandidate', (e) => {
      const c = e.candidate;
      if (c && c.candidate) {
        out.candidates.push({ candidate: c.candidate, address: c.address, relatedAddress: c.relatedAddress, json: JSON.stringify(c.toJSON()) });
        out.order.push(`cand:${pc.iceGatheringState}`);
      } else if (!c) {
        out.order.push(`end:${pc.iceGatheringState}`);
        // What a non-trickle app sends: the description read in the end-of-candidates handler.
        out.sdpAtEnd = pc.localDescription ? pc.localDescription.sdp : '';
        clearTimeout(timer);
        setTimeout(resolve, 300);
      }
    });
    pc.addEventListener('icegatheringstatechange', () => out.states.push(pc.iceGatheringState));
    pc.addEventListener('icecandidateerror', (e) => out.errors.push({ address: e.address, port: e.port, url: e.url }));
  });
  pc.createDataChannel('probe');
  await pc.setLocalDescription(await pc.createOffer());
  await done;
  const p = proto ?? Object.getPrototypeOf(pc);
  const get = (name) => Object.getOwnPropertyDescriptor(p, name)?.get?.call(pc);
  for (const name of ['localDescription', 'currentLocalDescription', 'pendingLocalDescription']) {
    const d = get(name);
    if (d) out.sdps.push(d.sdp, JSON.stringify(d.toJSON ? d.toJSON() : d));
  }
  const offer = await p.createOffer.call(pc);
  out.sdps.push(offer.sdp);
  const report = await p.getStats.call(pc);
  report.forEach((s) => { if (/candidate/.test(s.type)) out.stats.push(s); });
  for (const s of report.values()) if (/candidate/.test(s.type)) out.stats.push(s);
  out.gatheringAtEnd = get('iceGatheringState');
  pc.close();
  return out;
};

/** A frame's window once its document is ready enough to use. */
window.frameLoaded = (f) => new Promise((r) => { f.addEventListener('load', () => r(f.contentWindow), { once: true }); });

/**
 * Connects two peer connections (the second built by PC2, e.g. another realm's constructor) with
 * trickle ICE through page code, opens a data channel and passes one message.
 */
window.connectPair = async function connectPair({ iceServers = [], iceTransportPolicy = 'all', PC2 = RTCPeerConnection, timeoutMs = 15000 } = {}) {
  const a = new RTCPeerConnection({ iceServers, iceTransportPolicy });
  const b = new PC2({ iceServers, iceTransportPolicy });
  const seen = [];
  // Firefox's end-of-candidates event carries an RTCIceCandidate with candidate '': passed on, not "seen".
  const relay = (to) => (e) => {
    if (!e.candidate) return;
    if (e.candidate.candidate) seen.push(e.candidate.candidate);
    to().addIceCandidate(e.candidate).catch(() => {});
  };
  a.onicecandidate = relay(() => b);
  b.onicecandidate = relay(() => a);
  const got = new Promise((resolve) => {
    b.ondatachannel = (e) => { e.channel.onmessage = (m) => resolve(m.data); };
    setTimeout(() => resolve(null), timeoutMs);
  });
  const ch = a.createDataChannel('call');
  ch.onopen = () => ch.send('hello over IceVeil');
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription);
  const message = await got;
  return { a, b, message, seen, state: a.connectionState };
};

window.iceTransportLeak = async function iceTransportLeak(o) {
  const { a, b, message, seen } = await connectPair(o);
  const out = { available: true, message, seen, transport: [], stats: [] };
  for (const pc of [a, b]) {
    const t = pc.sctp?.transport?.iceTransport;
    if (t) {
      if (t.getLocalCandidates) out.transport.push(...t.getLocalCandidates().map((c) => c.candidate));
      if (t.getRemoteCandidates) out.transport.push(...t.getRemoteCandidates().map((c) => c.candidate));
      const pair = t.getSelectedCandidatePair?.();
      if (pair) out.transport.push(pair.local?.candidate, pair.local?.address, pair.remote?.candidate, pair.remote?.address);
    }
    const r = await pc.getStats();
    r.forEach((s) => { if (/candidate/.test(s.type)) out.stats.push(s); });
    for (const s of pc.getSenders()) { const rs = await s.getStats(); rs.forEach((x) => { if (/candidate/.test(x.type)) out.stats.push(x); }); }
  }
  a.close(); b.close();
  return out;
};

/** How the wrapper looks from page script (WebDriver eval runs in a privileged sandbox in Firefox). */
window.looksNative = () => {
  const pc = new RTCPeerConnection();
  const d = Object.getOwnPropertyDescriptor(RTCPeerConnection.prototype, 'localDescription');
  const r = {
    ctor: Function.prototype.toString.call(RTCPeerConnection),
    getter: d.get.toString(),
    getterName: d.get.name,
    instance: pc instanceof RTCPeerConnection,
    protoCtor: RTCPeerConnection.prototype.constructor === RTCPeerConnection,
    name: RTCPeerConnection.name,
    noProtoOnMethod: !('prototype' in RTCPeerConnection.prototype.createOffer),
    toStringOfToString: Function.prototype.toString.toString(),
    survey: [surveyWrappers(window)],
  };
  pc.close();
  // A frame inserted now is wrapped by this window's instance, in its initial about:blank realm.
  const f = document.createElement('iframe');
  document.body.append(f);
  r.survey.push(surveyWrappers(f.contentWindow));
  f.remove();
  return r;
};

/** Name, length, own keys and source of wrapped members in `w`'s realm, as a page sees them: they must look native. */
function surveyWrappers(w) {
  const members = [
    ['Node', 'appendChild', 'value'], ['Node', 'insertBefore', 'value'], ['Node', 'replaceChild', 'value'],
    ['Element', 'insertAdjacentHTML', 'value'], ['Element', 'append', 'value'], ['Range', 'insertNode', 'value'],
    ['HTMLIFrameElement', 'contentWindow', 'get'], ['HTMLIFrameElement', 'contentDocument', 'get'], ['Element', 'innerHTML', 'set'],
    ['RTCPeerConnection', 'createOffer', 'value'], ['RTCPeerConnection', 'localDescription', 'get'], ['RTCPeerConnection', 'onicecandidate', 'get'],
    ['RTCPeerConnection', 'onicecandidate', 'set'], ['RTCStatsReport', 'forEach', 'value'], ['RTCStatsReport', 'size', 'get'],
    ['Function', 'toString', 'value'],
  ];
  return members.map(([iface, key, kind]) => {
    const d = Object.getOwnPropertyDescriptor(w[iface].prototype, key);
    const fn = d && d[kind];
    if (typeof fn !== 'function') return { member: `${iface}.${key} ${kind}`, missing: true };
    return { member: `${iface}.${key} ${kind}`, name: fn.name, length: fn.length, keys: Reflect.ownKeys(fn).sort().join(','), // sorted: Firefox lists them in the order they were first read, natives too
      source: w.Function.prototype.toString.call(fn), prototype: 'prototype' in fn };
  });
}

/**
 * A page that forges IceVeil's private channel: its own hello (with its own node), verdict and
 * self-test requests on every target it can reach. Returns every answer it heard (must be none).
 */
window.forge = async ({ iceServers = [], waitMs = 2500 } = {}) => {
  const heard = [];
  const node = document.createElement('span');
  for (const t of ['iceveil:ack', 'iceveil:res', 'iceveil:selftest-res']) {
    node.addEventListener(t, (e) => heard.push(`node ${t} ${e.detail ?? ''}`));
    document.addEventListener(t, () => heard.push(`document ${t}`), true);
    window.addEventListener(t, () => heard.push(`window ${t}`), true);
  }
  document.dispatchEvent(new MouseEvent('iceveil:hello', { relatedTarget: node }));
  const host = 'candidate:1 1 udp 2122260223 10.9.8.7 50000 typ host';
  const req = JSON.stringify({ id: 1, origin: location.origin, candidates: [host], extra: [host], sdps: [], addresses: ['10.9.8.7'] });
  const selftest = JSON.stringify({ id: 1, iceServers, timeoutMs: 1000 });
  for (const target of [node, document, document.documentElement, window]) {
    target.dispatchEvent(new CustomEvent('iceveil:req', { detail: req }));
    target.dispatchEvent(new CustomEvent('iceveil:selftest', { detail: selftest }));
  }
  await new Promise((r) => setTimeout(r, waitMs));
  return heard;
};

/** The on<event> handler properties: each sees the filtered events, and reads back what was set. */
window.handlers = async ({ iceServers = [], timeoutMs = 5000 } = {}) => {
  const pc = new RTCPeerConnection({ iceServers });
  const out = { candidates: [], states: [], negotiationneeded: 0, readBack: false, cleared: false, ended: false };
  const onCand = (e) => {
    if (e.candidate && e.candidate.candidate) out.candidates.push(e.candidate.candidate);
    if (!e.candidate) out.ended = true;
  };
  pc.onicecandidate = onCand;
  pc.onicegatheringstatechange = () => out.states.push(pc.iceGatheringState);
  pc.onicecandidateerror = () => {};
  // Offer once negotiation is needed (Firefox drops the event if an offer is already under way).
  const needed = new Promise((r) => { pc.onnegotiationneeded = () => { out.negotiationneeded += 1; r(); }; setTimeout(r, 2000); });
  out.readBack = pc.onicecandidate === onCand && typeof pc.onicegatheringstatechange === 'function';
  const done = new Promise((r) => { setTimeout(r, timeoutMs); pc.addEventListener('icecandidate', (e) => { if (!e.candidate) setTimeout(r, 200); }); });
  pc.createDataChannel('h');
  await needed;
  await pc.setLocalDescription(await pc.createOffer());
  await done;
  pc.onicecandidateerror = null;
  out.cleared = pc.onicecandidateerror === null;
  pc.close();
  return out;
};

/** Gathers on a connection that stays open (window.kept), to read it again after a settings change. */
window.gatherAndKeep = async function gatherAndKeep({ iceServers = [], timeoutMs = 5000 } = {}) {
  const pc = new RTCPeerConnection({ iceServers });
  window.kept = pc;
  const done = new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    pc.addEventListener('icecandidate', (e) => { if (!e.candidate) { clearTimeout(timer); resolve(); } });
  });
  pc.createDataChannel('kept');
  await pc.setLocalDescription(await pc.createOffer());
  await done;
  return window.readKept();
};

/** What the kept connection shows now: its descriptions and (unless `descriptionsOnly`) its stats' candidate addresses. */
window.readKept = async function readKept(options) {
  const descriptionsOnly = Boolean(options && options.descriptionsOnly);
  const pc = window.kept;
  const stats = [];
  if (!descriptionsOnly) (await pc.getStats()).forEach((s) => { if (/candidate/.test(s.type)) stats.push({ address: s.address, ip: s.ip, relatedAddress: s.relatedAddress }); });
  return { sdp: pc.localDescription ? pc.localDescription.sdp : '', pending: pc.pendingLocalDescription ? pc.pendingLocalDescription.sdp : '', stats };
};
