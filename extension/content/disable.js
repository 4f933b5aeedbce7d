// disable mode: removes the WebRTC constructors from the page before its scripts run (registered by the background only while the mode is disable).
(() => {
  'use strict';
  for (const name of ['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCDataChannel']) {
    try {
      delete globalThis[name];
    } catch {
      // not configurable here: main.js still drops every candidate under disable
    }
  }
})();
