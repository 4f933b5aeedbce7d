// A generated hostile realm (tests/pages/hostile): pages that trap every built-in, prototype and global IceVeil's shipped content scripts could touch must still read no hidden address, nor reach the popup self-test, nor borrow an excepted origin; layer 1 is the rival's, so the page layer alone protects.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DIST_CHROME, DIST_FIREFOX, ROOT, selectedBrowsers, until } from '../harness/browsers.mjs';
import { openPopup, runSelfTest, setIceServers } from '../harness/iceveil.mjs';
import { labInfo } from '../harness/lab.mjs';
import { LOCAL, closeTab, launch, leaked, openTab, rivalTakesLayer1, setExceptions, setMode } from '../harness/pagelayer.mjs';
import { serve } from '../harness/server.mjs';

const lab = labInfo();
const TRAPS_JS = join(ROOT, 'tests/pages/hostile/traps.js');
const FAKE_ADDRESS = '10.99.99.99'; // the host candidate the self-test page forges
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// Names the set-2 list holds whatever the shipped code looks like: members of the dictionaries the page layer
// hands to the platform (event inits, descriptors, ICE candidate and server dictionaries, stats fields), the
// promise, iterator and JSON protocol names, and index names.
const REQUIRED_NAMES = ['then', 'get', 'set', 'value', 'writable', 'enumerable', 'configurable', 'detail', 'bubbles',
  'cancelable', 'composed', 'relatedTarget', 'candidate', 'address', 'relatedAddress', 'port', 'relatedPort', 'ip', 'type',
  'id', 'sdp', 'sdpMid', 'sdpMLineIndex', 'usernameFragment', 'iceServers', 'urls', 'username', 'credential', 'url',
  'errorCode', 'errorText', 'protocol', 'candidateType', 'next', 'done', 'toJSON', 'length',
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
// Full reports for the record (one JSON file per page run) when IVL_HOSTILE_OUT names a folder.
const OUT = process.env.IVL_HOSTILE_OUT;

/**
 * Every identifier, keyword-as-name and string or template literal in the content scripts of one built package
 * (so the set-2 trap list follows the code under test).
 */
async function shippedNames(contentDir) {
  const names = new Set();
  let acorn = null;
  try {
    acorn = await import('acorn');
  } catch {
    acorn = null; // fall back to a plain scan below
  }
  for (const file of readdirSync(contentDir).filter((f) => f.endsWith('.js'))) {
    const src = readFileSync(join(contentDir, file), 'utf8');
    if (acorn) {
      const { tokTypes } = acorn;
      for (const t of acorn.tokenizer(src, { ecmaVersion: 'latest', allowHashBang: true, allowReturnOutsideFunction: true })) {
        if (t.type === tokTypes.name || t.type.keyword) names.add(String(t.value));
        else if ((t.type === tokTypes.string || t.type === tokTypes.template) && typeof t.value === 'string') names.add(t.value);
      }
    } else {
      for (const m of src.matchAll(/[A-Za-z_$][\w$]*/g)) names.add(m[0]);
      for (const m of src.matchAll(/'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"/g)) names.add(m[1] ?? m[2]);
    }
  }
  return [...names].filter((n) => n.length <= 120);
}

const runId = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/** A hostile page's URL: its configuration goes in the fragment as base64 JSON, so no hidden address shows in the URL. */
function hostileUrl(origin, page, cfg) {
  const run = runId();
  return { run, url: `${origin}/hostile/${page}?run=${run}#cfg=${Buffer.from(JSON.stringify({ ...cfg, run })).toString('base64')}` };
}

/** Polls `readTitle` until the page reports `state`, and returns the report it wrote into document.title. */
async function readReport(readTitle, { state = 'done', timeoutMs = 90000, what }) {
  let title = null;
  try {
    await until(async () => {
      title = await readTitle();
      return typeof title === 'string' && title.startsWith(`hostile:${state}:`);
    }, { timeoutMs, intervalMs: 250, what });
  } catch (err) {
    const partial = typeof title === 'string' && title.startsWith('hostile:') ? decode(title) : title;
    throw new Error(`${what}: no "${state}" report (${err.message.split(';')[0]}); last report: ${JSON.stringify(partial)?.slice(0, 4000)}`);
  }
  return decode(title);
}

function decode(title) {
  const rest = title.slice('hostile:'.length);
  const state = rest.slice(0, rest.indexOf(':'));
  try {
    return { ...JSON.parse(decodeURIComponent(rest.slice(state.length + 1))), state };
  } catch {
    return { state, raw: rest.slice(0, 2000) };
  }
}

function keep(name, report) {
  if (!OUT) return;
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, `${name.replace(/[^\w.-]+/g, '_')}.json`), JSON.stringify(report, null, 1));
}

/** One line per finding: which trap, in which role, in which flow, saw what (and an excerpt). */
function describeFinding(f) {
  const where = f.path && f.path !== f.role ? `${f.role} ${f.path}` : f.role;
  return `${f.trap} [${where}] in flow "${f.flow}" saw ${f.needle}${f.count > 1 ? ` (×${f.count})` : ''}: …${f.excerpt.replace(/\s+/g, ' ')}…`;
}

const hiddenFindings = (report) => (report.findings ?? []).filter((f) => LOCAL.includes(f.needle));
const shows = (value, address) => JSON.stringify(value ?? null).includes(` ${address} `);

for (const name of selectedBrowsers()) {
  describe(`${name}: a hostile realm that traps every built-in (layer 1 the rival's, raw host addresses exposed)`, { skip: !lab && 'needs the NAT lab (STUN, srflx): run through tests/lab/with-lab.sh' }, () => {
    let driver;
    let site;
    let shipped;
    let names;
    const baseCfg = () => ({
      hide: LOCAL,
      canaries: [lab.LAB_PUBLIC_IP],
      secrets: [],
      stun: lab.LAB_STUN_URL,
      turn: lab.LAB_TURN_UDP_URL,
      turnUser: lab.LAB_TURN_USER,
      turnPass: lab.LAB_TURN_PASS,
      // The lab's TURN server with a wrong credential: it answers 401, and the browser fires icecandidateerror
      // with the address of the local socket (a hidden address, where the browser reports it: Firefox).
      errorServers: [{ urls: lab.LAB_TURN_UDP_URL, username: 'hostile-nobody', credential: 'hostile-wrong' }],
    });

    before(async () => {
      shipped = await shippedNames(join(name === 'chromium' ? DIST_CHROME : DIST_FIREFOX, 'content'));
      names = [...new Set([...shipped, ...REQUIRED_NAMES])];
      const traps = readFileSync(TRAPS_JS, 'utf8');
      site = await serve({
        routes: {
          // The trap script with the name list of the package under test in front of it.
          '/hostile/traps.js': () => `self.HOSTILE_NAMES = ${JSON.stringify(names)};\n${traps}`,
        },
      });
      driver = await launch(name);
      await setMode(driver, 'hide-local');
      await rivalTakesLayer1(driver);
    });
    after(async () => {
      await driver?.close();
      await site?.close();
    });

    /** Loads the flows page under `traps` (and `flows`) in the driver's tab and returns its report. */
    async function runFlows(traps, flows = ['all']) {
      const { url } = hostileUrl(site.origin, 'index.html', { ...baseCfg(), traps, flows });
      await driver.goto(url);
      const report = await readReport(() => driver.title(), { what: `the flows under traps ${traps}` });
      keep(`${name}-flows-${traps.join('+') || 'none'}-${flows.join('+')}`, report);
      return report;
    }

    test('the set-2 name list comes from the shipped content scripts', (t) => {
      t.diagnostic(`${shipped.length} names in ${name === 'chromium' ? DIST_CHROME : DIST_FIREFOX}/content/*.js, ${names.length} with the required ones`);
      assert.ok(shipped.length > 100, `names found: ${shipped.length}`);
      for (const n of ['candidate', 'iceServers']) assert.ok(shipped.includes(n), n);
    });

    test('the traps are armed: with the page filter off, each trap set alone sees the raw host address', async (t) => {
      await setMode(driver, 'off');
      try {
        for (const set of ['1', '2', '3']) {
          const r = await runFlows([set], ['events']);
          assert.equal(r.results?.events?.ok, true, `set ${set}: the gathering ran: ${JSON.stringify(r.results).slice(0, 800)}`);
          const seen = hiddenFindings(r).filter((f) => f.trap.startsWith(`set${set} `));
          t.diagnostic(`set ${set}, page filter off: ${seen.length} trap(s) saw a hidden address, e.g. ${seen.slice(0, 2).map(describeFinding).join(' | ')}`);
          assert.ok(seen.length > 0, `set ${set} must see the raw host address when nothing filters: ${JSON.stringify(r).slice(0, 1500)}`);
        }
      } finally {
        await setMode(driver, 'hide-local');
      }
    });

    for (const traps of [[], ['1'], ['2'], ['3'], ['1', '2', '3']]) {
      const label = traps.length === 0 ? 'no traps (control)' : traps.length === 3 ? 'all three trap sets' : `trap set ${traps[0]}`;
      test(`${label}: no trap sees a hidden address, every flow runs, the srflx still arrives`, async (t) => {
        const r = await runFlows(traps);
        const problems = [];
        if (traps.length) {
          const a = r.armed?.top ?? {};
          if (traps.includes('1') && !(a.set1 > 0 && a.eventTypeTrapped)) problems.push(`set 1 not armed: ${JSON.stringify(a)}`);
          if (traps.includes('2') && !(a.set2 > 0 && a.objectProtoDetailTrapped)) problems.push(`set 2 not armed: ${JSON.stringify(a)}`);
          if (traps.includes('3') && !(a.set3 > 0 && a.globalStringTrapped)) problems.push(`set 3 not armed: ${JSON.stringify(a)}`);
        }
        for (const f of hiddenFindings(r)) problems.push(`LEAK TO A TRAP: ${describeFinding(f)}`);
        // Each set's traps really scanned the page's WebRTC data: they saw the public srflx go by.
        for (const set of traps) if (!(r.canaries?.[`set${set}`] > 0)) problems.push(`set ${set} never saw the public srflx ${lab.LAB_PUBLIC_IP} (traps not scanning?): ${JSON.stringify(r.canaries)}`);
        const results = r.results ?? {};
        for (const flow of ['events', 'handlers', 'offer-after', 'descriptions', 'stats', 'transports', 'candidate-error', 'child-realm']) {
          const fr = results[flow];
          if (!fr) { problems.push(`flow ${flow}: no result`); continue; }
          if (!fr.ok) { problems.push(`flow ${flow} failed: ${String(fr.error).slice(0, 600)}`); continue; }
          const got = leaked(fr.value);
          if (got.length) problems.push(`flow ${flow}: the page's own API use read ${got.join(', ')}: ${JSON.stringify(fr.value).slice(0, 600)}`);
        }
        for (const flow of ['events', 'handlers', 'child-realm']) {
          const v = results[flow]?.value;
          if (results[flow]?.ok && !(v?.candidates ?? []).some((c) => c.includes(` ${lab.LAB_PUBLIC_IP} `))) {
            problems.push(`flow ${flow}: the public srflx ${lab.LAB_PUBLIC_IP} was not delivered: ${JSON.stringify(v?.candidates)}`);
          }
          if (results[flow]?.ok && !v?.ended) problems.push(`flow ${flow}: no end-of-candidates event`);
        }
        const ce = results['candidate-error'];
        if (ce?.ok && !(ce.value?.errors?.length > 0)) problems.push(`flow candidate-error: no icecandidateerror event reached the page: ${JSON.stringify(ce.value).slice(0, 400)}`);
        for (const e of r.notes?.pageErrors ?? []) problems.push(`uncaught in the page: ${e}`);
        const tr = results.transports?.value;
        if (results.transports?.ok) {
          if (tr?.message !== 'hello over IceVeil') problems.push(`flow transports: the data channel did not carry the message: ${JSON.stringify(tr).slice(0, 600)}`);
          if (!shows(tr?.seen, lab.LAB_PUBLIC_IP)) problems.push(`flow transports: no srflx in the trickled candidates: ${JSON.stringify(tr?.seen)}`);
        }
        if (r.notes?.errors) t.diagnostic(`scanner notes: ${JSON.stringify(r.notes)}`);
        t.diagnostic(`${hiddenFindings(r).length} hidden-address finding(s); srflx sightings per set ${JSON.stringify(r.canaries)}; flows: ${Object.entries(results).map(([k, v]) => `${k}:${v.ok ? 'ok' : 'FAILED'}`).join(' ')}; error events: ${results['candidate-error']?.value?.errors?.length ?? '?'}`);
        assert.deepEqual(problems, [], `${problems.length} problem(s):\n${problems.join('\n')}`);
      });
    }

    for (const traps of [['1'], ['2'], ['3'], ['1', '2', '3']]) {
      const label = traps.length === 3 ? 'all three trap sets' : `trap set ${traps[0]}`;
      test(`the popup self-test under ${label}: no hidden address or TURN credential reaches a trap, forged events neither add nor cut short`, async (t) => {
        const token = runId();
        const user = `ivluser${token}`;
        const credential = `ivlsecret${token}`;
        await openPopup(driver);
        await setIceServers(driver, [lab.LAB_STUN_URL, `${lab.LAB_TURN_UDP_URL} ${user} ${credential}`]);
        const { run, url } = hostileUrl(site.origin, 'selftest.html', { ...baseCfg(), traps, secrets: [user, credential] });
        const tab = await openTab(driver, url);
        try {
          const view = await runSelfTest(driver);
          await sleep(700); // one more forging round and report after the self-test ended
          const r = await readReport(() => driver.titleOf(run), { state: 'forging', timeoutMs: 10000, what: 'the self-test page report' });
          keep(`${name}-selftest-${traps.join('+')}`, { report: r, popup: view });
          const problems = [];
          for (const f of hiddenFindings(r)) problems.push(`(a) LEAK TO A TRAP: ${describeFinding(f)}`);
          for (const f of (r.findings ?? []).filter((x) => x.needle === user || x.needle === credential)) {
            problems.push(`(b) THE TURN ${f.needle === credential ? 'CREDENTIAL' : 'USERNAME'} REACHED THE PAGE: ${describeFinding(f)}`);
          }
          const siteRows = JSON.stringify(view.site);
          if (siteRows.includes(FAKE_ADDRESS)) problems.push(`(c) the forged host candidate ${FAKE_ADDRESS} is in the popup's site rows: ${siteRows}`);
          if (!view.site.some((row) => row.address.includes(lab.LAB_PUBLIC_IP))) {
            problems.push(`(d) the real srflx ${lab.LAB_PUBLIC_IP} is missing from the site rows (test cut short or broken): summary ${view.siteSummary} "${view.siteText}", rows ${siteRows}`);
          }
          for (const e of r.notes?.pageErrors ?? []) problems.push(`uncaught in the page: ${e}`);
          const armed = r.armed?.top ?? {};
          if ((traps.includes('1') && !armed.eventTypeTrapped) || (traps.includes('2') && !armed.objectProtoDetailTrapped) || (traps.includes('3') && !armed.globalStringTrapped)) {
            problems.push(`the traps were not armed: ${JSON.stringify(armed)}`);
          }
          const local = view.site.filter((row) => LOCAL.some((a) => row.address.includes(a)));
          if (local.length) problems.push(`the popup's site rows show a hidden address: ${JSON.stringify(local)}`);
          t.diagnostic(`connections collected by the traps: ${r.pcs}; forged: ${JSON.stringify(r.forged)}; site summary: ${view.siteSummary}`);
          assert.deepEqual(problems, [], `${problems.length} problem(s):\n${problems.join('\n')}`);
        } finally {
          await closeTab(driver, tab).catch(() => {});
        }
      });
    }

    test('forged origin claims: opaque frames in an excepted site get no exception, the site itself does', async (t) => {
      await setExceptions(driver, [site.origin]);
      try {
        const { url } = hostileUrl(site.origin, 'origin.html', { stun: lab.LAB_STUN_URL });
        await driver.goto(url);
        const r = await readReport(() => driver.title(), { what: 'the forged-origin page', timeoutMs: 40000 });
        keep(`${name}-forged-origin`, r);
        const problems = [];
        if (r.error) problems.push(`the page failed: ${r.error}`);
        if (!(leaked(r.top).length > 0)) problems.push(`the excepted top frame should read its raw host candidate (the exception is in force): ${JSON.stringify(r.top).slice(0, 600)}`);
        for (const kind of ['sandboxed-srcdoc', 'data-url']) {
          const f = r.frames?.[kind];
          if (!f) { problems.push(`${kind}: no result from the frame`); continue; }
          if (f.error) problems.push(`${kind}: ${f.error}`);
          if (f.claim !== site.origin) problems.push(`${kind}: the forge did not take (String(location.origin) = ${f.claim})`);
          const got = leaked(f);
          if (got.length) problems.push(`${kind} (origin ${f.origin}) BORROWED THE EXCEPTION: it read ${got.join(', ')}: ${JSON.stringify(f.candidates)}`);
          if (!f.candidates?.some((c) => c.includes(` ${lab.LAB_PUBLIC_IP} `))) problems.push(`${kind}: the public srflx was not delivered (the frame's gathering did not work): ${JSON.stringify(f).slice(0, 400)}`);
        }
        t.diagnostic(`top: ${r.top?.candidates?.length} candidates; frames: ${Object.entries(r.frames ?? {}).map(([k, v]) => `${k} ${v.candidates?.length}`).join(', ')}`);
        assert.deepEqual(problems, [], `${problems.length} problem(s):\n${problems.join('\n')}`);
      } finally {
        await setExceptions(driver, []);
      }
    });
  });
}
