// Page layer, ISOLATED world: takes the private channel node from main.js at document_start, relays its verdict requests to the background, and (top frame) offers the popup self-test a gather through the page's own wrapped constructor.
// Exception to "all extension API calls go through lib/api.js": content scripts are classic scripts and cannot import modules.
(() => {
  'use strict';
  const ext = globalThis.browser ?? globalThis.chrome;
  const HELLO = 'iceveil:hello';
  const SELFTEST = 'iceveil:selftest';
  const SELFTEST_RES = 'iceveil:selftest-res';
  let channel = null; // the node main.js handed over, or null
  const selfTests = new Map(); // id -> settle(result | null)
  let nextSelfTest = 1;

  /** The first hello wins; the listener is gone afterwards, so a page cannot forge a second channel. */
  function onHello(e) {
    document.removeEventListener(HELLO, onHello, true);
    e.stopImmediatePropagation();
    const node = e.relatedTarget;
    if (!node || typeof node.addEventListener !== 'function' || node.isConnected) return;
    node.addEventListener('iceveil:req', (ev) => relay(node, ev.detail));
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
  document.addEventListener(HELLO, onHello, true);

  /** One request from main.js (a JSON string) -> one runtime message -> one reply event (a JSON string). */
  function relay(node, detail) {
    let req;
    try {
      if (typeof detail !== 'string') return;
      req = JSON.parse(detail);
    } catch {
      return;
    }
    const answer = (reply) => {
      node.dispatchEvent(new CustomEvent('iceveil:res', { detail: JSON.stringify({ id: req.id, reply }) }));
    };
    let sent;
    try {
      sent = ext.runtime.sendMessage({
        type: 'page.judge',
        origin: typeof req.origin === 'string' ? req.origin : null,
        candidates: Array.isArray(req.candidates) ? req.candidates : [],
        extra: Array.isArray(req.extra) ? req.extra : [],
        sdps: Array.isArray(req.sdps) ? req.sdps : [],
        addresses: Array.isArray(req.addresses) ? req.addresses : [],
      });
    } catch (err) {
      answer({ error: String(err?.message ?? err) }); // extension reloaded or gone: main.js drops
      return;
    }
    Promise.resolve(sent).then((reply) => answer(reply ?? { error: 'no reply' }), (err) => answer({ error: String(err?.message ?? err) }));
  }

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
