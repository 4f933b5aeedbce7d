// Page layer, ISOLATED world: takes the private channel node from main.js at document_start, answers its verdict requests (Firefox: with a local copy of the Rust core once the frame uses WebRTC; otherwise via the background), and (top frame) offers the popup self-test a gather through the page's own wrapped constructor.
// Exception to "all extension API calls go through lib/api.js": content scripts are classic scripts and cannot import modules.
(() => {
  'use strict';
  // The extension API object is read only when a frame first needs it: in Firefox, the first read
  // builds the content script's API bindings, which cost milliseconds per frame on every page.
  const api = () => globalThis.browser ?? globalThis.chrome;
  // main.js says hello with a MouseEvent typed 'load' on the document: a Document does not pass 'load' on
  // to its Window, so a listener a page left on a reused Window never sees the channel node.
  const HELLO = 'load';
  // ...after a knock on the Window: until then this world has not touched the document, so a frame whose main.js
  // stands down (a realm another instance covers) never makes the browser build the document for this world.
  const KNOCK = 'iceveil:knock';
  const SELFTEST = 'iceveil:selftest';
  const SELFTEST_RES = 'iceveil:selftest-res';
  let channel = null; // the node main.js handed over, or null
  const selfTests = new Map(); // id -> settle(result | null)
  let nextSelfTest = 1;

  /** The first hello wins; the listener is gone afterwards, so a page cannot forge a second channel. */
  function onHello(e) {
    const node = e.relatedTarget;
    if (node === undefined) return; // a real load event (no relatedTarget): main.js never said hello here
    document.removeEventListener(HELLO, onHello, true);
    e.stopImmediatePropagation();
    if (!node || typeof node.addEventListener !== 'function' || node.isConnected) return;
    node.addEventListener('iceveil:req', (ev) => relay(node, ev.detail));
    node.addEventListener('iceveil:warm', warm);
    node.addEventListener(SELFTEST_RES, (ev) => {
      let msg;
      try {
        msg = JSON.parse(ev.detail);
      } catch {
        return;
      }
      const settle = selfTests.get(msg?.id);
      if (settle) settle(msg);
    });
    channel = node;
    node.dispatchEvent(new CustomEvent('iceveil:ack'));
  }
  function onKnock(e) {
    window.removeEventListener(KNOCK, onKnock, true);
    // Load-bearing: no listener runs on this knock after this one has opened the hello listener below, so no page
    // listener on a reused Window can slip a forged hello in before main.js's own (which follows the knock at once).
    e.stopImmediatePropagation();
    document.addEventListener(HELLO, onHello, true);
  }
  window.addEventListener(KNOCK, onKnock, true);

  // ---------------------------------------------------------------- local verdicts (Firefox)
  // Firefox runs WebAssembly in this world even on pages whose CSP forbids it (Chromium does not),
  // so once a frame constructs an RTCPeerConnection, the background injects the core's glue
  // (pkg/iceveil-isolated.js) into this world and sends the Wasm bytes and this frame's policy
  // ({mode, excepted}) over a port. From then on each request is judged here, synchronously, by
  // the same Rust function the background uses (judgePage). The background marks the policy stale
  // on any settings change and pushes the new one; a closed port, a stale policy or a failed core
  // sends requests the slow way again. Frames that never use WebRTC never get any of this.
  let firefox = null; // decided at the first warm-up (reading the API object earlier costs every frame)
  const isFirefox = () => (firefox ??= api().runtime.getURL('').startsWith('moz-extension:'));
  let port = null; // to the background, while open
  let policy = null; // { mode, excepted } for this frame, null while unknown or stale
  let core = null; // the glue (its functions) once the Wasm is instantiated
  let coreLoading = false;

  let listening = false;
  /** Settings changed: main.js forgets its verdicts and filtered SDPs, and asks again. */
  function stale() {
    if (channel) channel.dispatchEvent(new CustomEvent('iceveil:stale'));
  }

  function warm() {
    if (!listening) {
      listening = true;
      try {
        api().runtime.onMessage.addListener((msg) => {
          if (msg && msg.type === 'iceveil.stale') stale();
          return undefined;
        });
      } catch {
        // extension gone: requests fail, and main.js drops
      }
    }
    if (port || !isFirefox()) return;
    let p;
    try {
      p = api().runtime.connect({ name: 'iceveil-page' });
    } catch {
      return;
    }
    port = p;
    p.onMessage.addListener((msg) => {
      if (port !== p || !msg || typeof msg !== 'object') return;
      if (msg.stale === true) policy = null; // main.js hears of the change through the 'iceveil.stale' message
      if (msg.policy && typeof msg.policy.mode === 'string') policy = { mode: msg.policy.mode, excepted: msg.policy.excepted === true };
      if (msg.core && !core && !coreLoading) startCore(msg.core);
    });
    p.onDisconnect.addListener(() => {
      if (port !== p) return;
      port = null;
      policy = null;
    });
    p.postMessage({ type: 'hello', origin: location.origin, wantCore: !core && !coreLoading });
  }

  function startCore(bytes) {
    const glue = globalThis.iceveilCoreGlue;
    if (typeof glue !== 'function') return;
    coreLoading = true;
    glue({ module_or_path: bytes }).then(() => {
      core = glue;
    }, () => {
      coreLoading = false; // the next hello asks again
    });
  }

  /** The reply for `req`, judged here, or null when the local core or the policy is not ready. */
  function judgeHere(req) {
    if (!core || !policy) return null;
    try {
      const reply = core.judgePage(policy.mode, policy.excepted, req.candidates, req.extra, req.sdps, req.addresses, req.remote, req.remoteSdps);
      if (reply && reply.filtered > 0 && port) port.postMessage({ type: 'count', n: reply.filtered });
      return reply;
    } catch {
      core = null; // a trapped (or misused) instance is not trusted again; the background answers from now on
      return null;
    }
  }

  // A request larger than these is not relayed at all: main.js gets an error and drops every item of it.
  const MAX_ITEMS = 512; // per list, as the background allows
  const MAX_BYTES = 4 * 1024 * 1024; // the whole request's JSON text

  /** One request from main.js (a JSON string) -> one reply event (a JSON string), judged here or by the background. */
  function relay(node, detail) {
    let req;
    try {
      if (typeof detail !== 'string' || detail.length > MAX_BYTES) {
        const id = typeof detail === 'string' ? Number(/^\{"id":(\d+),/.exec(detail)?.[1]) : NaN;
        if (Number.isInteger(id)) node.dispatchEvent(new CustomEvent('iceveil:res', { detail: JSON.stringify({ id, reply: { error: 'request too large' } }) }));
        return;
      }
      req = JSON.parse(detail);
    } catch {
      return;
    }
    const answer = (reply) => {
      node.dispatchEvent(new CustomEvent('iceveil:res', { detail: JSON.stringify({ id: req.id, reply }) }));
    };
    const lists = (k) => (Array.isArray(req[k]) ? req[k] : []);
    req.candidates = lists('candidates');
    req.extra = lists('extra');
    req.sdps = lists('sdps');
    req.addresses = lists('addresses');
    req.remote = lists('remote');
    req.remoteSdps = lists('remoteSdps');
    if ([req.candidates, req.extra, req.sdps, req.addresses, req.remote, req.remoteSdps].some((l) => l.length > MAX_ITEMS)) {
      answer({ error: 'request too large' });
      return;
    }
    const here = judgeHere(req);
    if (here) {
      answer(here);
      return;
    }
    warm();
    let sent;
    try {
      sent = api().runtime.sendMessage({
        type: 'page.judge',
        origin: location.origin, // this world's, which the page cannot reach; never a value from main.js
        candidates: req.candidates,
        extra: req.extra,
        sdps: req.sdps,
        addresses: req.addresses,
        remote: req.remote,
        remoteSdps: req.remoteSdps,
      });
    } catch (err) {
      answer({ error: String(err?.message ?? err) }); // extension reloaded or gone: main.js drops
      return;
    }
    Promise.resolve(sent).then((reply) => answer(reply ?? { error: 'no reply' }), (err) => answer({ error: String(err?.message ?? err) }));
  }

  /**
   * Hook for the background (scripting.executeScript into this world, every frame) after a switch to or
   * from disable: this frame asks its own mode and tells main.js, so a document that was already open
   * refuses new connections under disable and allows them again after, without a reload.
   */
  globalThis.iceveilRecheckMode = () => {
    if (!channel) return;
    let sent;
    try {
      sent = api().runtime.sendMessage({ type: 'page.policy', origin: location.origin });
    } catch {
      return;
    }
    Promise.resolve(sent).then((reply) => {
      if (reply && typeof reply.mode === 'string') channel.dispatchEvent(new CustomEvent('iceveil:policy', { detail: reply.mode }));
    }, () => {});
  };

  /**
   * Hook for content/selftest.js (same extension, same ISOLATED world, top frame): what the page itself
   * would read. main.js builds an RTCPeerConnection with this window's page-visible (wrapped)
   * constructor, gathers (data channel, createOffer, setLocalDescription) until the end of candidates
   * or the timeout, and answers over the private node: the page neither triggers nor sees it.
   * Resolves `{candidates, outcome: {webrtcAvailable, completed, iceServers, candidateErrors, error}}`.
   */
  if (window === window.top) {
    globalThis.iceveilPageSelfTest = ({ iceServers = [], timeoutMs = 8000 } = {}) => new Promise((resolve, reject) => {
      if (!channel) {
        reject(new Error('the page layer has no channel in this page'));
        return;
      }
      const id = nextSelfTest;
      nextSelfTest += 1;
      const wait = Math.min(Math.max(Number(timeoutMs) || 8000, 1000), 30000);
      const guard = setTimeout(() => {
        selfTests.delete(id);
        reject(new Error('no answer from the page layer'));
      }, wait + 5000);
      selfTests.set(id, (msg) => {
        selfTests.delete(id);
        clearTimeout(guard);
        const o = msg.outcome ?? {};
        resolve({
          candidates: Array.isArray(msg.candidates) ? msg.candidates.filter((c) => typeof c === 'string' && c !== '') : [],
          outcome: {
            webrtcAvailable: o.webrtcAvailable === true,
            completed: o.completed === true,
            iceServers: Number(o.iceServers) || 0,
            candidateErrors: Number(o.candidateErrors) || 0,
            error: typeof o.error === 'string' ? o.error : null,
          },
        });
      });
      channel.dispatchEvent(new CustomEvent(SELFTEST, { detail: JSON.stringify({ id, iceServers: Array.isArray(iceServers) ? iceServers : [], timeoutMs: wait }) }));
    });
  }
})();
