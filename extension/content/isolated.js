// Page layer, ISOLATED world: takes the private channel node from main.js at document_start and relays its verdict requests to the background.
// Exception to "all extension API calls go through lib/api.js": content scripts are classic scripts and cannot import modules.
(() => {
  'use strict';
  const ext = globalThis.browser ?? globalThis.chrome;
  const HELLO = 'iceveil:hello';

  /** The first hello wins; the listener is gone afterwards, so a page cannot forge a second channel. */
  function onHello(e) {
    document.removeEventListener(HELLO, onHello, true);
    e.stopImmediatePropagation();
    const node = e.relatedTarget;
    if (!node || typeof node.addEventListener !== 'function' || node.isConnected) return;
    node.addEventListener('iceveil:req', (ev) => relay(node, ev.detail));
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
})();
