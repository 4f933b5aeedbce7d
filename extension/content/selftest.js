// Leak self-test, page side (top frame, ISOLATED world): gathers with the browser's own RTCPeerConnection in this page, and asks the page layer what the page itself would see.
// Exception to "all extension API calls go through lib/api.js": content scripts are classic scripts and cannot import modules.
(() => {
  'use strict';
  const ext = globalThis.browser ?? globalThis.chrome;

  /** Gathers with `Ctor` (this world's native RTCPeerConnection): what the browser exposes to this site (layer 1). */
  async function gather(Ctor, iceServers, timeoutMs) {
    const outcome = { webrtcAvailable: typeof Ctor === 'function', completed: false, iceServers: iceServers.length, candidateErrors: 0, error: null };
    const candidates = [];
    if (!outcome.webrtcAvailable) return { candidates, outcome };
    let pc;
    try {
      pc = new Ctor({ iceServers });
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        pc.onicecandidateerror = () => { outcome.candidateErrors += 1; };
        pc.onicecandidate = (e) => {
          if (e.candidate && e.candidate.candidate) candidates.push(e.candidate.candidate);
          else if (!e.candidate) {
            outcome.completed = true;
            clearTimeout(timer);
            resolve();
          }
        };
        pc.createDataChannel('iceveil-selftest');
        pc.createOffer().then((o) => pc.setLocalDescription(o)).catch((err) => {
          outcome.error = String((err && err.message) || err);
          clearTimeout(timer);
          resolve();
        });
      });
    } catch (err) {
      outcome.error = String((err && err.message) || err);
    } finally {
      if (pc) pc.close();
    }
    return { candidates, outcome };
  }

  ext.runtime.onMessage.addListener((message, _sender, sendResponse) => {
    if (!message || message.type !== 'iceveil.selftest') return undefined;
    const iceServers = JSON.parse(JSON.stringify(Array.isArray(message.iceServers) ? message.iceServers : []));
    const timeoutMs = Math.min(Math.max(Number(message.timeoutMs) || 8000, 1000), 30000);
    // The page layer (isolated.js) offers a hook that runs the same gathering through the page's own wrapped constructor.
    const pageSide = typeof globalThis.iceveilPageSelfTest === 'function'
      ? globalThis.iceveilPageSelfTest({ iceServers, timeoutMs }).catch((err) => ({ error: String((err && err.message) || err) }))
      : Promise.resolve(null);
    Promise.all([gather(globalThis.RTCPeerConnection, iceServers, timeoutMs), pageSide])
      .then(([browser, page]) => sendResponse({ origin: location.origin, browser, page }))
      .catch((err) => sendResponse({ error: String((err && err.message) || err) }));
    return true;
  });
})();
