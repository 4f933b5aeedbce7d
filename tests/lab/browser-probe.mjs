// Shows what ICE candidates a real browser gathers inside the IceVeil lab (host / srflx / relay, and whether TURN-TCP goes through the proxy).
//
// Run inside the lab's client namespace:
//   tests/lab/lab.sh exec -- node tests/lab/browser-probe.mjs [options]
// Options:
//   --browser chromium|firefox   (default chromium)
//   --mode all|relay-tcp         all: STUN + TURN udp + TURN tcp, policy "all" (default)
//                                relay-tcp: only the TCP TURN URL, iceTransportPolicy "relay"
//   --proxy URL                  route the browser through URL (http://H:P or socks5://H:P);
//                                "lab" = LAB_PROXY from lab.json. Default: no proxy.
//   --timeout MS                 gathering timeout (default 10000)
//   --json                       print only the JSON result
// Prints the candidates, ICE errors, the proxy/coturn log lines written during the run, and
// expectation checks ending in "N passed, N failed"; exits 1 if a check failed.
//
// Chromium is driven with playwright-core (system /usr/bin/chromium). Firefox ESR cannot be
// driven by Playwright (it needs Playwright's patched Firefox), so it is started headless with a
// fresh profile on the probe URL; the page POSTs its result back and the process is then killed.
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function parseArgs(argv) {
  const o = { browser: 'chromium', mode: 'all', proxy: null, timeout: 10000, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--browser') o.browser = argv[++i];
    else if (a === '--mode') o.mode = argv[++i];
    else if (a === '--proxy') o.proxy = argv[++i];
    else if (a === '--timeout') o.timeout = Number(argv[++i]);
    else if (a === '--json') o.json = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!['chromium', 'firefox'].includes(o.browser)) throw new Error('--browser chromium|firefox');
  if (!['all', 'relay-tcp'].includes(o.mode)) throw new Error('--mode all|relay-tcp');
  return o;
}

function loadLab() {
  const f = process.env.IVL_LAB_JSON
    || path.join(process.env.LAB_STATE_DIR || process.env.IVL_LAB_DIR || '/tmp/ivl-lab', 'lab.json');
  if (!fs.existsSync(f)) throw new Error(`${f} missing: run tests/lab/lab.sh up`);
  return JSON.parse(fs.readFileSync(f, 'utf8'));
}

// The page: gathers candidates with the given config and POSTs them back.
const PAGE = `<!doctype html><meta charset="utf-8"><title>iceveil lab probe</title>
<pre id="out">gathering…</pre>
<script>
(async () => {
  const cfg = JSON.parse(decodeURIComponent(location.hash.slice(1)));
  const res = { ua: navigator.userAgent, candidates: [], errors: [], stats: [], gathering: 'new' };
  const send = async () => {
    document.getElementById('out').textContent = JSON.stringify(res, null, 1);
    await fetch('/result', { method: 'POST', body: JSON.stringify(res) });
  };
  try {
    const pc = new RTCPeerConnection({ iceServers: cfg.iceServers, iceTransportPolicy: cfg.policy });
    pc.createDataChannel('probe');
    const done = new Promise((resolve) => {
      pc.onicecandidate = (e) => {
        if (!e.candidate) { res.gathering = 'complete'; return resolve(); }
        const c = e.candidate;
        if (!c.candidate) return;
        res.candidates.push({ candidate: c.candidate, url: e.url || c.url || null,
          relayProtocol: c.relayProtocol || null });
      };
      pc.onicecandidateerror = (e) => res.errors.push({ url: e.url, errorCode: e.errorCode,
        errorText: e.errorText, address: e.address, port: e.port });
      setTimeout(() => { res.gathering = 'timeout'; resolve(); }, cfg.timeoutMs);
    });
    await pc.setLocalDescription(await pc.createOffer());
    await done;
    const stats = await pc.getStats();
    stats.forEach((s) => { if (s.type === 'local-candidate') res.stats.push({
      address: s.address || s.ip, port: s.port, protocol: s.protocol, candidateType: s.candidateType,
      relayProtocol: s.relayProtocol, url: s.url }); });
    pc.close();
  } catch (e) { res.errors.push({ exception: String(e) }); }
  await send();
})();
</script>`;

function parseCandidate(line) {
  // candidate:<foundation> <component> <proto> <prio> <addr> <port> typ <type> [raddr X rport Y] [tcptype T] ...
  const p = line.replace(/^a=/, '').split(/\s+/);
  const c = { protocol: p[2]?.toLowerCase(), address: p[4], port: Number(p[5]), type: p[7] };
  for (let i = 8; i + 1 < p.length; i += 2) {
    if (p[i] === 'raddr') c.raddr = p[i + 1];
    if (p[i] === 'rport') c.rport = Number(p[i + 1]);
    if (p[i] === 'tcptype') c.tcptype = p[i + 1];
  }
  return c;
}

function readFrom(file, offset) {
  try {
    const buf = fs.readFileSync(file);
    return buf.subarray(Math.min(offset, buf.length)).toString('utf8');
  } catch { return ''; }
}
const sizeOf = (f) => { try { return fs.statSync(f).size; } catch { return 0; } };

function firefoxPrefs(proxy) {
  const prefs = {
    'media.peerconnection.ice.obfuscate_host_addresses': false,
    'network.proxy.allow_hijacking_localhost': false,
    'network.proxy.no_proxies_on': 'localhost, 127.0.0.1',
    'network.proxy.type': 0,
    // keep Firefox quiet: no first-run pages, updates, telemetry, captive-portal or remote-settings traffic
    'browser.shell.checkDefaultBrowser': false,
    'browser.startup.homepage_override.mstone': 'ignore',
    'browser.startup.page': 0,
    'browser.aboutwelcome.enabled': false,
    'browser.newtabpage.enabled': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'datareporting.healthreport.uploadEnabled': false,
    'toolkit.telemetry.enabled': false,
    'toolkit.telemetry.unified': false,
    'app.update.enabled': false,
    'app.update.auto': false,
    'app.normandy.enabled': false,
    'extensions.update.enabled': false,
    'extensions.getAddons.cache.enabled': false,
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
    'network.dns.disablePrefetch': true,
    'network.prefetch-next': false,
    'network.trr.mode': 5,
    'browser.safebrowsing.malware.enabled': false,
    'browser.safebrowsing.phishing.enabled': false,
    'browser.safebrowsing.downloads.enabled': false,
    'browser.safebrowsing.update.enabled': false,
    'services.settings.server': 'http://127.0.0.1:9/',
    'browser.region.network.url': '',
    'browser.region.update.enabled': false,
    'media.gmp-manager.url': 'http://127.0.0.1:9/',
    'media.gmp-gmpopenh264.enabled': false,
    'browser.tabs.remote.autostart': true,
  };
  if (proxy) {
    const u = new URL(proxy);
    const port = Number(u.port);
    prefs['network.proxy.type'] = 1;
    if (u.protocol === 'http:') {
      Object.assign(prefs, {
        'network.proxy.http': u.hostname, 'network.proxy.http_port': port,
        'network.proxy.ssl': u.hostname, 'network.proxy.ssl_port': port,
      });
    } else if (u.protocol.startsWith('socks')) {
      Object.assign(prefs, {
        'network.proxy.socks': u.hostname, 'network.proxy.socks_port': port,
        'network.proxy.socks_version': 5, 'network.proxy.socks_remote_dns': false,
      });
    } else throw new Error(`unsupported proxy ${proxy}`);
  }
  return Object.entries(prefs).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join('\n') + '\n';
}

async function runChromium(url, proxy, timeoutMs, resultP) {
  const { chromium } = require(path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../node_modules/playwright-core'));
  const args = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-features=WebRtcHideLocalIpsWithMdns'];
  if (proxy) args.push(`--proxy-server=${proxy}`);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args, timeout: 30000 });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    return await withTimeout(resultP, timeoutMs + 15000, 'chromium result');
  } finally {
    await browser.close();
  }
}

async function runFirefox(url, proxy, timeoutMs, resultP) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ivl-ff-'));
  fs.writeFileSync(path.join(profile, 'user.js'), firefoxPrefs(proxy));
  const ff = spawn('firefox-esr', ['--headless', '--no-remote', '--profile', profile, url], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MOZ_HEADLESS: '1' },
  });
  let ffLog = '';
  ff.stdout.on('data', (d) => { ffLog += d; });
  ff.stderr.on('data', (d) => { ffLog += d; });
  const exited = new Promise((r) => ff.on('exit', r));
  try {
    return await withTimeout(resultP, timeoutMs + 30000, 'firefox result');
  } catch (e) {
    e.message += `\nfirefox output:\n${ffLog.slice(-2000)}`;
    throw e;
  } finally {
    ff.kill('SIGTERM');
    const t = setTimeout(() => ff.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

function withTimeout(p, ms, what) {
  let t;
  return Promise.race([p, new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`timeout waiting for ${what}`)), ms); })])
    .finally(() => clearTimeout(t));
}

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  const lab = loadLab();
  const proxy = opt.proxy === 'lab' ? lab.LAB_PROXY : opt.proxy;
  const cred = { username: lab.LAB_TURN_USER, credential: lab.LAB_TURN_PASS };
  const iceServers = opt.mode === 'all'
    ? [{ urls: lab.LAB_STUN_URL }, { urls: lab.LAB_TURN_UDP_URL, ...cred }, { urls: lab.LAB_TURN_TCP_URL, ...cred }]
    : [{ urls: lab.LAB_TURN_TCP_URL, ...cred }];
  const cfg = { iceServers, policy: opt.mode === 'all' ? 'all' : 'relay', timeoutMs: opt.timeout };

  let resolveResult;
  const resultP = new Promise((r) => { resolveResult = r; });
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url.startsWith('/probe')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(PAGE);
    }
    if (req.method === 'POST' && req.url === '/result') {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => { res.end('ok'); resolveResult(JSON.parse(body)); });
      return;
    }
    res.writeHead(404); res.end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/probe#${encodeURIComponent(JSON.stringify(cfg))}`;

  const socks = proxy && /^socks/.test(proxy);
  const proxyLogFile = socks ? lab.LAB_SOCKS_LOG : lab.LAB_PROXY_LOG;
  const proxyLogStart = sizeOf(proxyLogFile);
  const turnLogStart = sizeOf(lab.LAB_TURN_LOG);
  let result;
  try {
    result = opt.browser === 'chromium'
      ? await runChromium(url, proxy, opt.timeout, resultP)
      : await runFirefox(url, proxy, opt.timeout, resultP);
  } finally {
    server.close();
  }
  await new Promise((r) => setTimeout(r, 300)); // let the daemons flush their logs
  // Lines about the lab's hosts prove the tunnel; everything else is the browsers' own background
  // traffic (update/telemetry/remote-settings hosts), which the proxies refuse - only counted.
  const rawProxy = proxyLogFile ? readFrom(proxyLogFile, proxyLogStart).split('\n').filter(Boolean) : [];
  const labHost = lab.LAB_NET_IP.replace(/\./g, '\\.');
  const proxyLog = rawProxy.filter((l) => new RegExp(`${labHost}[:.]3478|Established connection to host "${labHost}"`).test(l)
    || (!socks && /Closed connection between local client/.test(l)));
  const proxyRefused = rawProxy.filter((l) => /Refused CONNECT|filtered domain|block\(/.test(l)).length;
  const turnLog = readFrom(lab.LAB_TURN_LOG, turnLogStart).split('\n')
    .filter((l) => /new, realm|ALLOCATE processed, success|TCP socket|accepted|incoming packet ALLOCATE/.test(l))
    .slice(0, 12);

  const cands = result.candidates.map((c) => ({ ...parseCandidate(c.candidate), url: c.url, relayProtocol: c.relayProtocol, line: c.candidate }));
  // relayProtocol from getStats fills in what the candidate events lack (Firefox)
  for (const c of cands) {
    if (c.type === 'relay' && !c.relayProtocol) {
      const s = result.stats.find((s) => s.candidateType === 'relay' && s.address === c.address && s.port === c.port);
      if (s?.relayProtocol) c.relayProtocol = s.relayProtocol;
    }
  }

  const checks = [];
  const check = (name, pass, detail = '') => checks.push({ name, pass: !!pass, detail });
  const has = (f) => cands.some(f);
  if (opt.mode === 'all') {
    check(`host candidate ${lab.LAB_CLIENT_IP}`, has((c) => c.type === 'host' && c.address === lab.LAB_CLIENT_IP));
    check(`srflx ${lab.LAB_PUBLIC_IP} with raddr ${lab.LAB_CLIENT_IP}`, has((c) => c.type === 'srflx' && c.address === lab.LAB_PUBLIC_IP && c.raddr === lab.LAB_CLIENT_IP));
    check(`relay on ${lab.LAB_NET_IP} via TURN/UDP`, has((c) => c.type === 'relay' && c.address === lab.LAB_NET_IP && c.relayProtocol === 'udp'));
    check(`relay on ${lab.LAB_NET_IP} via TURN/TCP`, has((c) => c.type === 'relay' && c.address === lab.LAB_NET_IP && c.relayProtocol === 'tcp'));
  } else {
    check('only relay candidates', cands.length > 0 && cands.every((c) => c.type === 'relay'));
    check(`relay on ${lab.LAB_NET_IP} via TURN/TCP`, has((c) => c.type === 'relay' && c.address === lab.LAB_NET_IP && c.relayProtocol === 'tcp'));
  }
  if (proxy && /^http:/.test(proxy) && proxyLogFile) {
    check(`proxy log shows CONNECT ${lab.LAB_NET_IP}:3478`, proxyLog.some((l) => l.includes(`CONNECT ${lab.LAB_NET_IP}:3478`)));
  } else if (socks && proxyLogFile) {
    check(`SOCKS log shows tcp/connect to ${lab.LAB_NET_IP}.3478`, proxyLog.some((l) => l.includes(`${lab.LAB_NET_IP}.3478`)));
  }

  const out = { browser: opt.browser, mode: opt.mode, proxy, ua: result.ua, gathering: result.gathering,
    candidates: cands.map(({ line, ...c }) => c), iceErrors: result.errors, proxyLog, proxyRefused, turnLog, checks };
  if (opt.json) {
    console.log(JSON.stringify(out, null, 2));
  } else {
    console.log(`browser: ${opt.browser}  ${result.ua}`);
    console.log(`mode: ${opt.mode}  proxy: ${proxy || 'none'}  gathering: ${result.gathering}`);
    for (const c of cands) {
      console.log(`  ${c.type.padEnd(5)} ${c.protocol} ${c.address}:${c.port}` +
        (c.raddr ? ` raddr ${c.raddr}:${c.rport}` : '') + (c.tcptype ? ` tcptype ${c.tcptype}` : '') +
        (c.relayProtocol ? ` relayProtocol ${c.relayProtocol}` : '') + (c.url ? ` url ${c.url}` : ''));
    }
    for (const e of result.errors) console.log(`  ice-error ${JSON.stringify(e)}`);
    if (proxyLog.length) { console.log(`proxy log (${proxyLogFile}):`); for (const l of proxyLog) console.log(`  ${l}`); }
    if (proxyRefused) console.log(`  (+ ${proxyRefused} proxy log lines refusing non-lab hosts: the browser's own background traffic)`);
    if (turnLog.length) { console.log('coturn log (first lines):'); for (const l of turnLog) console.log(`  ${l}`); }
    for (const c of checks) console.log(`${c.pass ? 'ok  ' : 'FAIL'} - ${c.name}`);
    const passed = checks.filter((c) => c.pass).length;
    console.log(`${passed} passed, ${checks.length - passed} failed`);
  }
  process.exitCode = checks.every((c) => c.pass) ? 0 : 1;
}

main().catch((e) => { console.error(e.stack || String(e)); process.exit(2); });
