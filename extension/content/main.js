// Page layer, MAIN world: wraps RTCPeerConnection before page scripts run (placeholder until the page layer lands).
