// One ICE-gathering routine for the leak self-test, shared as a classic script by the popup and the page-side content script.
(() => {
  'use strict';
  /**
   * Gathers with `Ctor` (an RTCPeerConnection constructor) until the end-of-candidates event or
   * `timeoutMs`, and reports `{ candidates: string[], outcome }` in the shape the Rust core reads.
   */
  async function gather(Ctor, iceServers, timeoutMs, onCandidate = () => {}) {
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
          if (e.candidate && e.candidate.candidate) {
            candidates.push(e.candidate.candidate);
            onCandidate(candidates.length);
          } else if (!e.candidate) {
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
  globalThis.iceveilGather = gather;
})();
