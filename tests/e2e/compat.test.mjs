// Calls keep working with real WebRTC libraries (webrtc-adapter, simple-peer, peerjs with its own server), in hide-local and proxy-only, attributed against no extension and a policy-only extension; and the selected pair never reads null in its change event.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BROWSERS, DIST_CHROME, ROOT, chromeIdFromKey, selectedBrowsers, until } from '../harness/browsers.mjs';
import { labInfo } from '../harness/lab.mjs';
import { FIREFOX_PREFS, LOCAL, RIVAL, RIVAL_MANIFEST, RIVAL_UUID, leaked, setMode } from '../harness/pagelayer.mjs';
import { serve } from '../harness/server.mjs';

const lab = labInfo();
// IVL_COMPAT_MODES / _SETUPS / _LIBS (comma-separated) narrow the matrix while debugging.
const only = (v, all) => (process.env[v] ? all.filter((x) => process.env[v].split(',').includes(x)) : all);
const MODES = only('IVL_COMPAT_MODES', ['hide-local', 'proxy-only']);
const SETUPS = only('IVL_COMPAT_SETUPS', ['none', 'policy-only', 'iceveil']);
const LIBS = only('IVL_COMPAT_LIBS', ['adapter', 'simple-peer', 'peerjs']);
const FLOWS = ['dc', 'av', 'restart', 'reneg', 'many'];
const MANY = 4;
const FLOW_MS = 30000;
const DC_MS = 16000; // a data channel opens in well under a second here; longer only means no route
/** What the policy-only extension sets for each mode (as WebRTC Leak Prevent does; Firefox's strict value for proxy-only). */
const POLICY = {
  chromium: { 'hide-local': 'default_public_interface_only', 'proxy-only': 'disable_non_proxied_udp' },
  firefox: { 'hide-local': 'default_public_interface_only', 'proxy-only': 'proxy_only' },
};
const FAKE_MEDIA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.log('[compat]', ...a);

/** Library files for the pages, from node_modules (never copied into the tree). */
const LIB_FILES = {
  '/lib/webrtc-adapter/out/adapter.js': 'node_modules/webrtc-adapter/out/adapter.js',
  '/lib/simple-peer/simplepeer.min.js': 'node_modules/simple-peer/simplepeer.min.js',
  '/lib/peerjs/dist/peerjs.min.js': 'node_modules/peerjs/dist/peerjs.min.js',
};
const routes = Object.fromEntries(Object.entries(LIB_FILES).map(([url, file]) => [url, () => readFileSync(join(ROOT, file))]));

/** The far peer: Chromium with no extension in the lab's "internet" (ivl-net); its pages and peerjs socket are routed to this process. */
async function launchFar(origin) {
  const dir = mkdtempSync(join(tmpdir(), 'iceveil-compat-far-'));
  const wrapper = join(dir, 'chromium-in-ivl-net');
  writeFileSync(wrapper, '#!/bin/sh\nexec ip netns exec ivl-net /usr/bin/chromium "$@"\n');
  chmodSync(wrapper, 0o755);
  const prev = process.env.CHROMIUM;
  process.env.CHROMIUM = wrapper;
  try {
    const driver = await BROWSERS.chromium({ extensions: [], exposeLocalIps: true, args: FAKE_MEDIA });
    await driver.context.route(`${origin}/**`, async (route) => route.fulfill({ response: await route.fetch() }));
    // Playwright's connectToServer() would connect from the page (in ivl-net); this process connects instead.
    const { WebSocket } = await import('ws'); // the peer package's own dependency
    await driver.context.routeWebSocket(/\/peerjs\/peerjs/, (ws) => {
      const up = new WebSocket(ws.url());
      const early = [];
      up.on('open', () => { for (const m of early.splice(0)) up.send(m); });
      up.on('message', (d) => ws.send(d.toString()));
      up.on('close', () => ws.close());
      up.on('error', () => ws.close());
      ws.onMessage((m) => (up.readyState === 1 ? up.send(m) : early.push(m)));
      ws.onClose(() => up.close());
    });
    const close = driver.close;
    driver.close = async () => { await close(); rmSync(dir, { recursive: true, force: true }); };
    return driver;
  } finally {
    if (prev === undefined) delete process.env.CHROMIUM;
    else process.env.CHROMIUM = prev;
  }
}

/** The browser under test: no extension, the policy-only one (the rival fixture, told to set the mode's value), or IceVeil in that mode. */
async function launchNear(name, setup, mode) {
  const proxy = mode === 'proxy-only';
  let driver;
  if (name === 'chromium') {
    const extensions = setup === 'none' ? [] : setup === 'policy-only' ? [RIVAL] : [DIST_CHROME];
    driver = await BROWSERS.chromium({ extensions, args: [...FAKE_MEDIA, ...(proxy ? [`--proxy-server=${lab.LAB_PROXY}`] : [])] });
  } else {
    driver = await BROWSERS.firefox({
      extensions: setup === 'iceveil' ? undefined : [],
      prefs: {
        ...FIREFOX_PREFS,
        'media.navigator.streams.fake': true,
        ...(proxy ? {
          'network.proxy.type': 1,
          'network.proxy.http': lab.LAB_PROXY_HOST,
          'network.proxy.http_port': lab.LAB_PROXY_PORT,
          'network.proxy.ssl': lab.LAB_PROXY_HOST,
          'network.proxy.ssl_port': lab.LAB_PROXY_PORT,
          'network.proxy.allow_hijacking_localhost': false,
          'network.proxy.no_proxies_on': 'localhost, 127.0.0.1',
        } : {}),
      },
    });
    if (setup === 'policy-only') await driver.installAddon(RIVAL);
  }
  if (setup === 'policy-only') {
    const origin = name === 'chromium' ? `chrome-extension://${chromeIdFromKey(RIVAL_MANIFEST.key)}` : `moz-extension://${RIVAL_UUID}`;
    await driver.goto(`${origin}/rival.html`);
    const got = await driver.eval((v) => window.takeSetting(v), POLICY[name][mode]);
    assert.equal(got.value, POLICY[name][mode], 'the policy-only extension holds the setting');
  } else if (setup === 'iceveil') {
    await setMode(driver, mode);
  }
  return driver;
}

/** The near page's ICE servers: STUN (direct through the NAT) or TURN over TCP (through the proxy). */
const nearConfig = (mode) => (mode === 'hide-local'
  ? { iceServers: [{ urls: lab.LAB_STUN_URL }] }
  : { iceServers: [{ urls: lab.LAB_TURN_TCP_URL, username: lab.LAB_TURN_USER, credential: lab.LAB_TURN_PASS }] });

/** Carries signals between the two pages until the near page has a result. */
async function pump(near, far, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const a = await near.eval(() => window.take());
    if (a.length) await far.eval((m) => window.give(m), a);
    const b = await far.eval(() => window.take());
    if (b.length) await near.eval((m) => window.give(m), b);
    const r = await near.eval(() => window.result);
    if (r) return r;
    if (Date.now() > end) return { ok: false, error: 'timed out', timedOut: true };
    if (!a.length && !b.length) await sleep(60);
  }
}

// results[browser][mode][setup][lib][flow] = outcome
const results = {};
const record = (b, m, s, l, f, r) => {
  results[b] ??= {};
  results[b][m] ??= {};
  results[b][m][s] ??= {};
  results[b][m][s][l] ??= {};
  results[b][m][s][l][f] = r;
};
const cell = (b, m, s, l, f) => results[b]?.[m]?.[s]?.[l]?.[f];

/** Addresses the mode hides, appearing anywhere in `value`. */
function hiddenIn(value, mode) {
  const found = leaked(value);
  if (mode === 'proxy-only' && new RegExp(`(^|[^0-9.])${lab.LAB_PUBLIC_IP.replace(/[.]/g, '\\.')}($|[^0-9.])`).test(JSON.stringify(value))) found.push(lab.LAB_PUBLIC_IP);
  return found;
}

function writeTable() {
  const lines = ['| library | flow | mode | browser | no extension | policy-only | IceVeil |', '|---|---|---|---|---|---|---|'];
  const mark = (r) => (r === undefined ? 'n/a' : r.ok ? (r.attempts > 1 ? 'pass (2nd try)' : 'pass') : 'FAIL');
  for (const l of LIBS) {
    for (const f of FLOWS) {
      for (const m of MODES) {
        for (const b of Object.keys(results)) {
          if (SETUPS.every((s) => cell(b, m, s, l, f) === undefined)) continue;
          lines.push(`| ${l} | ${f} | ${m} | ${b} | ${SETUPS.map((s) => mark(cell(b, m, s, l, f))).join(' | ')} |`);
        }
      }
    }
  }
  const md = `${lines.join('\n')}\n`;
  mkdirSync(join(ROOT, 'build'), { recursive: true });
  writeFileSync(join(ROOT, 'build/compat-table.md'), md);
  writeFileSync(join(ROOT, 'build/compat-results.json'), JSON.stringify(results, null, 1));
  console.log(`\n[compat] library x flow x mode x browser (also in build/compat-table.md):\n${md}`);
}

describe('compatibility with real WebRTC libraries, through the lab', { skip: !lab && 'needs the NAT lab' }, () => {
  let site;
  let far;
  let peerServer;
  let server;
  const started = Date.now();
  before(async () => {
    // The peer server runs in a child process: its recurring timers survive close() and would keep this
    // test process (and with it the whole suite) alive after the last test.
    peerServer = spawn(process.execPath, ['--input-type=module', '-e',
      "const { PeerServer } = await import('peer'); PeerServer({ host: '127.0.0.1', port: 0, path: '/peerjs' }, (s) => console.log(s.address().port));"],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise((resolve, reject) => {
      let out = '';
      peerServer.stdout.on('data', (d) => { out += d; const m = out.match(/^(\d+)\n/); if (m) resolve(Number(m[1])); });
      peerServer.on('exit', (code) => reject(new Error(`the peer server exited (${code}) before it listened`)));
    });
    server = { host: '127.0.0.1', port, path: '/peerjs' };
    site = await serve({ routes });
    far = await launchFar(site.origin);
  });
  after(async () => {
    writeTable();
    await far?.close();
    await site?.close();
    if (peerServer && peerServer.exitCode === null) {
      const gone = new Promise((r) => peerServer.once('exit', r));
      peerServer.kill();
      await gone;
    }
    log(`done in ${Math.round((Date.now() - started) / 1000)} s`);
  });

  for (const name of selectedBrowsers()) {
    for (const mode of MODES) {
      for (const setup of SETUPS) {
        test(`${name} ${mode} ${setup}: every library and flow (outcomes recorded)`, async () => {
          const t0 = Date.now();
          const near = await launchNear(name, setup, mode);
          let noRoute = false;
          try {
            for (const lib of LIBS) {
              const url = `${site.origin}/compat/index.html?lib=${lib}`;
              await near.goto(url);
              const flows = await near.eval(() => window.flowsOf());
              for (const flow of flows) {
                const f0 = Date.now();
                let r;
                if (noRoute) {
                  // No data channel with the first library: this setup has no route; the other flows would only time out.
                  r = { ok: false, error: 'skipped: the adapter data channel found no route' };
                  record(name, mode, setup, lib, flow, r);
                  log(`${name} ${mode} ${setup} ${lib} ${flow}: FAIL ${r.error}`);
                  continue;
                }
                // Fresh pages on both ends for every flow: one flow's leftovers never reach the next. A failed
                // flow gets one more try, in every setup alike (the lab's shared CPU makes a connection miss now and then).
                for (let attempt = 1; attempt <= 2; attempt += 1) {
                  const farId = `far-${name}-${mode}-${setup}-${lib}-${flow}-${attempt}-${Date.now()}`.replace(/[^a-z0-9-]/gi, '');
                  try {
                    await near.goto(url);
                    await far.goto(url);
                    await far.eval((a) => window.startFar(a), { cfg: { iceServers: [] }, server, id: farId });
                    await near.eval((a) => window.startNear(a), { flow, cfg: nearConfig(mode), n: MANY, server, id: `${farId}-near`, far: farId });
                    r = await pump(near, far, flow === 'dc' ? DC_MS : FLOW_MS);
                  } catch (err) {
                    r = { ok: false, error: String(err.message ?? err).slice(0, 300) };
                  }
                  r.attempts = attempt;
                  if (r.ok || flow === 'restart') break; // ICE restart fails the same way in every setup in this lab (see the table): no second try
                }
                r.ms = Date.now() - f0;
                record(name, mode, setup, lib, flow, r);
                if (lib === LIBS[0] && flow === 'dc' && !r.ok) noRoute = true;
                log(`${name} ${mode} ${setup} ${lib} ${flow}: ${r.ok ? 'pass' : `FAIL ${r.error ?? JSON.stringify(r).slice(0, 200)}`} (${r.ms} ms, try ${r.attempts})`);
                if (setup === 'iceveil') {
                  assert.deepEqual(hiddenIn(r, mode), [], `${lib} ${flow}: no hidden address reaches the page: ${JSON.stringify(r).slice(0, 500)}`);
                }
              }
            }
          } finally {
            await near.close();
          }
          log(`${name} ${mode} ${setup}: ${Math.round((Date.now() - t0) / 1000)} s`);
        });
      }

      test(`${name} ${mode}: IceVeil passes wherever the policy-only extension passes`, () => {
        const worse = [];
        for (const lib of LIBS) {
          for (const flow of FLOWS) {
            const p = cell(name, mode, 'policy-only', lib, flow);
            const i = cell(name, mode, 'iceveil', lib, flow);
            if (p?.ok && !i?.ok) worse.push(`${lib} ${flow}: ${String(JSON.stringify(i)).slice(0, 300)}`);
          }
        }
        assert.deepEqual(worse, [], 'IceVeil fails where policy-only passes');
      });

      test(`${name} ${mode}: getSelectedCandidatePair() read once in onselectedcandidatepairchange is never null and hides what the mode hides (first connection and after ICE restart)`, (t) => {
        const runs = ['dc', 'restart'].map((f) => cell(name, mode, 'iceveil', 'adapter', f)).filter(Boolean);
        const entries = runs.flatMap((r) => r.pairLog ?? []);
        for (const r of runs) {
          for (const p of [r.pair, r.before, r.after].filter(Boolean)) {
            assert.ok(p.local && p.remote, `the selected pair's stats entries are there: ${JSON.stringify(p)}`);
          }
        }
        assert.deepEqual(hiddenIn(runs.map((r) => [r.pair, r.before, r.after]), mode), [], 'no hidden address in the selected pair\'s stats');
        if (entries.some((e) => e.unsupported)) { t.skip(`${name} has no RTCIceTransport (the selected pair's stats were checked)`); return; }
        if (!entries.length && !cell(name, mode, 'policy-only', 'adapter', 'dc')?.ok && !cell(name, mode, 'iceveil', 'adapter', 'dc')?.ok) {
          t.skip(`no connection in ${name} ${mode}, with the policy-only extension neither: no pair to read`);
          return;
        }
        assert.ok(entries.some((e) => e.label === 'first'), `a pair change in the first connection: ${JSON.stringify(runs).slice(0, 400)}`);
        const restart = cell(name, mode, 'iceveil', 'adapter', 'restart');
        if (restart?.pairChanged) assert.ok(entries.some((e) => e.label === 'restart'), 'a pair change after the ICE restart');
        for (const e of entries) {
          if (e.state === 'closed') continue;
          assert.ok(e.pair && e.pair.local && e.pair.remote, `the pair is not null in its change event: ${JSON.stringify(e)}`);
        }
        assert.deepEqual(hiddenIn(entries, mode), [], `no hidden address in the pair: ${JSON.stringify(entries)}`);
      });
    }
  }
});

describe('a peer-reflexive local candidate in the selected pair', { skip: !lab && 'needs the NAT lab' }, () => {
  // hide-local without a STUN server: the browser learns its NAT address only from the far peer's checks (prflx).
  let site;
  let far;
  before(async () => {
    site = await serve({ routes });
    far = await launchFar(site.origin);
  });
  after(async () => {
    await far?.close();
    await site?.close();
  });
  for (const name of selectedBrowsers()) {
    test(`${name} (IceVeil, hide-local, no STUN): the pair is there in its change event, with no local address`, async (t) => {
      const near = await launchNear(name, 'iceveil', 'hide-local');
      try {
        const url = `${site.origin}/compat/index.html?lib=adapter`;
        await near.goto(url);
        await far.goto(url);
        await far.eval((a) => window.startFar(a), { cfg: { iceServers: [] } });
        await near.eval((a) => window.startNear(a), { flow: 'restart', cfg: { iceServers: [] }, n: 1 });
        const r = await pump(near, far, FLOW_MS);
        const locals = await near.eval(() => (window.pairLocals ? window.pairLocals() : null)).catch(() => null);
        log(`${name} prflx: ${JSON.stringify({ ok: r.ok, pairLog: r.pairLog, before: r.before, locals }).slice(0, 1500)}`);
        if ((r.pairLog ?? []).some((e) => e.unsupported)) { t.skip(`${name} has no RTCIceTransport`); return; }
        assert.ok(r.pairLog.length > 0, `the pair changed at least once: ${JSON.stringify(r).slice(0, 500)}`);
        for (const e of r.pairLog) {
          if (e.state === 'closed') continue;
          assert.ok(e.pair && e.pair.local && e.pair.remote, `the pair is not null in its change event: ${JSON.stringify(e)}`);
        }
        assert.deepEqual(leaked([r, locals]), [], `no local address (${LOCAL}) anywhere: ${JSON.stringify(r).slice(0, 800)}`);
      } finally {
        await near.close();
      }
    });
  }
});
