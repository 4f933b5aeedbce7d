// Leak self-test, page side (top frame, ISOLATED world): gathers with the browser's own RTCPeerConnection in this page (lib/gather.js), and asks the page layer what the page itself would see.
// Exception to "all extension API calls go through lib/api.js": content scripts are classic scripts and cannot import modules.
(() => {
  'use strict';
  const ext = globalThis.browser ?? globalThis.chrome;

  ext.runtime.onMessage.addListener((message, _sender, sendResponse) => {
    if (!message || message.type !== 'iceveil.selftest') return undefined;
    const iceServers = JSON.parse(JSON.stringify(Array.isArray(message.iceServers) ? message.iceServers : []));
    const timeoutMs = Math.min(Math.max(Number(message.timeoutMs) || 8000, 1000), 30000);
    // The page layer (isolated.js) offers a hook that runs the same gathering through the page's own wrapped constructor.
    // browserOnly: the popup's active tab is a browser page, so this website tab measures only what the browser exposes to sites.
    const pageSide = message.browserOnly !== true && typeof globalThis.iceveilPageSelfTest === 'function'
      ? globalThis.iceveilPageSelfTest({ iceServers, timeoutMs }).catch((err) => ({ error: String((err && err.message) || err) }))
      : Promise.resolve(null);
    Promise.all([globalThis.iceveilGather(globalThis.RTCPeerConnection, iceServers, timeoutMs), pageSide])
      .then(([browser, page]) => sendResponse({ origin: location.origin, browser, page }))
      .catch((err) => sendResponse({ error: String((err && err.message) || err) }));
    return true;
  });
})();
