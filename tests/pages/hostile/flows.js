// Hostile-realm flows: ordinary WebRTC use (gathering, descriptions, stats, transports, an ICE error, a child realm) run under traps.js's traps; each flow reports what the page's own API use returned, and whether it ran.
(async function hostileFlows() {
  const H = window.__hostile;
  const cfg = H.config;
  const wanted = cfg.flows || ['all'];
  const want = (name) => wanted.includes('all') || wanted.includes(name);
  const stun = [{ urls: cfg.stun }];
  const turn = cfg.turn ? [{ urls: cfg.turn, username: cfg.turnUser, credential: cfg.turnPass }] : [];
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const withTimeout = (p, ms, what) => Promise.race([p, new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))]);

  /** Gathers on `pc` until the end of candidates (or `timeoutMs`), with listeners or with on<event> handlers. */
  function gather(pc, { handlers = false, timeoutMs = 6000, offer = true } = {}) {
    const out = { candidates: [], json: [], addresses: [], states: [], errors: [], ended: false, timedOut: false };
    return new Promise((resolve) => {
      let timer = null;
      const finish = () => { clearTimeout(timer); resolve(out); };
      timer = setTimeout(() => { out.timedOut = true; resolve(out); }, timeoutMs);
      const onCandidate = (e) => {
        const c = e.candidate;
        if (c && c.candidate) {
          out.candidates.push(c.candidate);
          out.json.push(JSON.stringify(c));
          out.addresses.push(String(c.address), String(c.relatedAddress));
        } else if (!c) {
          out.ended = true;
          const d = pc.localDescription;
          out.sdpAtEnd = d ? d.sdp : '';
          setTimeout(finish, 200);
        }
      };
      const onState = () => { out.states.push(pc.iceGatheringState); };
      const onError = (e) => { out.errors.push({ address: e.address, port: e.port, url: e.url, errorCode: e.errorCode, errorText: e.errorText }); };
      if (handlers) {
        pc.onicecandidate = onCandidate;
        pc.onicegatheringstatechange = onState;
        pc.onicecandidateerror = onError;
      } else {
        pc.addEventListener('icecandidate', onCandidate);
        pc.addEventListener('icegatheringstatechange', onState);
        pc.addEventListener('icecandidateerror', onError);
      }
      if (!offer) return;
      pc.createDataChannel('hostile');
      pc.createOffer().then((o) => pc.setLocalDescription(o)).catch((err) => { out.error = String(err); finish(); });
    });
  }

  /** Every entry of a stats report, read the ways a page reads a maplike. */
  function readStats(report) {
    const out = { size: report.size, types: {}, candidates: [], viaValues: [], viaGet: [] };
    report.forEach((s) => {
      out.types[s.type] = (out.types[s.type] || 0) + 1;
      if (/candidate/.test(s.type)) out.candidates.push(JSON.stringify(s));
    });
    for (const s of report.values()) if (/candidate/.test(s.type)) out.viaValues.push(JSON.stringify(s));
    for (const k of report.keys()) { const s = report.get(k); if (s && /candidate/.test(s.type)) out.viaGet.push(JSON.stringify(s)); }
    return out;
  }

  let kept = null; // the gathered connection the later flows read (audio transceiver + data channel)
  let keptGather = null;
  async function gathered() {
    if (!kept) {
      kept = new RTCPeerConnection({ iceServers: stun });
      kept.addTransceiver('audio');
      keptGather = await gather(kept, {});
    }
    return kept;
  }

  const FLOWS = [
    ['events', async () => {
      await gathered();
      return keptGather;
    }],
    ['handlers', async () => {
      const pc = new RTCPeerConnection({ iceServers: stun });
      const r = await gather(pc, { handlers: true });
      r.readBack = typeof pc.onicecandidate === 'function';
      pc.close();
      return r;
    }],
    ['offer-after', async () => {
      const pc = await gathered();
      const o = await pc.createOffer();
      return { type: o.type, sdp: o.sdp, json: JSON.stringify(o) };
    }],
    ['descriptions', async () => {
      const pc = await gathered();
      const out = {};
      for (const name of ['localDescription', 'currentLocalDescription', 'pendingLocalDescription']) {
        const d = pc[name];
        out[name] = d ? { type: d.type, sdp: d.sdp, json: JSON.stringify(d) } : null;
      }
      return out;
    }],
    ['stats', async () => {
      const pc = await gathered();
      const sender = pc.getSenders()[0];
      const receiver = pc.getReceivers()[0];
      return {
        connection: readStats(await pc.getStats()),
        sender: sender ? readStats(await sender.getStats()) : 'no sender',
        receiver: receiver ? readStats(await receiver.getStats()) : 'no receiver',
      };
    }],
    ['transports', async () => {
      // Two connections in this page, trickle ICE through the (filtered) candidates, a data channel.
      const iceServers = [...stun, ...turn];
      // window.connectPair from ../leak/common.js (loaded after the traps).
      const { a, b, message, seen } = await connectPair({ iceServers, timeoutMs: 12000 });
      const out = { message, seen, transport: [], stats: [] };
      for (const pc of [a, b]) {
        const t = pc.sctp && pc.sctp.transport && pc.sctp.transport.iceTransport;
        if (!t) {
          out.transport.push('no iceTransport');
        } else {
          for (const m of ['getLocalCandidates', 'getRemoteCandidates']) {
            if (typeof t[m] !== 'function') { out.transport.push(`no ${m}`); continue; }
            out.transport.push(...t[m]().map((c) => ({ candidate: c.candidate, address: c.address })));
          }
          if (typeof t.getSelectedCandidatePair !== 'function') out.transport.push('no getSelectedCandidatePair');
          else {
            const pair = t.getSelectedCandidatePair();
            out.transport.push(pair ? { local: pair.local && pair.local.candidate, remote: pair.remote && pair.remote.candidate } : null);
          }
        }
        out.stats.push(readStats(await pc.getStats()));
      }
      a.close();
      b.close();
      return out;
    }],
    ['candidate-error', async () => {
      // A server that refuses us: the error event carries the local socket's address.
      const pc = new RTCPeerConnection({ iceServers: cfg.errorServers });
      const viaHandler = [];
      pc.onicecandidateerror = (e) => { viaHandler.push({ address: e.address, port: e.port, url: e.url, errorCode: e.errorCode }); };
      const r = await gather(pc, { timeoutMs: 5000 });
      r.viaHandler = viaHandler;
      pc.close();
      return r;
    }],
    ['child-realm', async () => {
      const f = document.createElement('iframe');
      document.body.appendChild(f);
      const w = f.contentWindow;
      const armed = H.trapRealm(w, 'child:'); // the attacker traps the new realm too, before using it
      const pc = new w.RTCPeerConnection({ iceServers: stun });
      const r = await gather(pc, {});
      r.armed = armed;
      pc.close();
      f.remove();
      return r;
    }],
  ];

  if (document.readyState !== 'complete') await new Promise((r) => { window.addEventListener('load', r); });
  const results = {};
  for (const [name, fn] of FLOWS) {
    if (!want(name)) continue;
    H.flow(name);
    const r = { ok: false };
    try {
      r.value = await withTimeout(fn(), 25000, name);
      r.ok = true;
    } catch (err) {
      r.error = `${String(err)}${err && err.stack ? ` at ${err.stack}` : ''}`;
    }
    results[name] = r;
  }
  if (kept) kept.close();
  await sleep(100);
  H.done(results);
})();
