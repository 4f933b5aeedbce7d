// The benchmark's own pages (50-frame page, plain page, WebRTC page) and a loopback server for them, kept apart from tests/pages.
import { createServer } from 'node:http';

const FRAME = '<!doctype html><meta charset="utf-8"><title>frame</title><p>a frame that never touches WebRTC</p>';

const FRAMES_50 = `<!doctype html><meta charset="utf-8"><title>50 frames</title><body>
${Array.from({ length: 50 }, (_, i) => `<iframe src="/frame.html?i=${i}" width="40" height="20"></iframe>`).join('\n')}
</body>`;

const PLAIN = '<!doctype html><meta charset="utf-8"><title>plain</title><p>no WebRTC on this page</p>';

// Helpers the runner calls with eval; they only use the page's own RTCPeerConnection, as a site would.
const RTC = `<!doctype html><meta charset="utf-8"><title>rtc</title><p>WebRTC bench page</p>
<script>
// One offer: ms from the setLocalDescription call to the first candidate handler, the first srflx one, and the end-of-gathering one.
window.gatherTimes = async function ({ iceServers = [], timeoutMs = 8000 } = {}) {
  const pc = new RTCPeerConnection({ iceServers });
  pc.createDataChannel('bench');
  const offer = await pc.createOffer();
  let first = null, srflx = null, complete = null, n = 0, t0 = 0;
  const done = new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    pc.onicecandidate = (e) => {
      const t = performance.now();
      if (e.candidate && e.candidate.candidate) {
        n++;
        if (first === null) first = t - t0;
        if (srflx === null && / typ srflx /.test(e.candidate.candidate)) srflx = t - t0;
      }
      else if (!e.candidate) { complete = t - t0; clearTimeout(timer); resolve(); }
    };
  });
  t0 = performance.now();
  await pc.setLocalDescription(offer);
  await done;
  pc.close();
  return { first, srflx, complete, n };
};
// Opens n connections, waits until each has gathered, and keeps them open (for the memory figure).
window.openConnections = async function ({ n = 4, iceServers = [] } = {}) {
  window.__pcs = [];
  await Promise.all(Array.from({ length: n }, async () => {
    const pc = new RTCPeerConnection({ iceServers });
    window.__pcs.push(pc);
    pc.createDataChannel('bench');
    const done = new Promise((resolve) => {
      const timer = setTimeout(resolve, 8000);
      pc.addEventListener('icecandidate', (e) => { if (!e.candidate) { clearTimeout(timer); resolve(); } });
    });
    await pc.setLocalDescription(await pc.createOffer());
    await done;
    void pc.localDescription.sdp;
  }));
  return window.__pcs.length;
};
</script>`;

const PAGES = { '/frame.html': FRAME, '/frames50.html': FRAMES_50, '/plain.html': PLAIN, '/rtc.html': RTC };

/** Serves the bench pages on loopback; no caching headers, so every load is a real load. */
export async function serveBench() {
  const server = createServer((req, res) => {
    const body = PAGES[new URL(req.url, 'http://x').pathname];
    if (!body) return res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}
