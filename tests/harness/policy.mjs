// Enterprise-policy plumbing for real-browser tests: private Chromium policy folders (mount namespace), a Firefox install copy with distribution/policies.json, CRX/XPI packing and a local update server.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CHROMIUM_ARGS, DIST_CHROME, FIREFOX_UUID, GECKO_ID, ROOT, chromeIdFromKey, launchFirefox, until,
} from './browsers.mjs';

export const EXAMPLES = join(ROOT, 'docs/examples');
const TMP_PREFIX = join(tmpdir(), 'iceveil-policy-');

/** The placeholders the example files use, as an admin would see them: real id, example host. */
export const EXAMPLE_CHROME_ID = 'algboooceckehilbkjmijkghmajbclep';
export const EXAMPLE_BASE_URL = 'https://extensions.example.com/iceveil';

/**
 * Reads a file from docs/examples exactly as an admin would copy it, replaces each literal string
 * that is a key of `replace` (ids, URLs) with its value, and parses .json files. A key that does
 * not occur is an error, so the docs and the tests cannot drift apart silently.
 */
export function loadExample(name, replace = {}) {
  let text = readFileSync(join(EXAMPLES, name), 'utf8');
  for (const [from, to] of Object.entries(replace)) {
    if (!text.includes(from)) throw new Error(`docs/examples/${name} does not contain ${JSON.stringify(from)}`);
    text = text.split(from).join(String(to));
  }
  return name.endsWith('.json') ? JSON.parse(text) : text;
}

// ------------------------------------------------------------------------------------ Chromium policies

/**
 * A private stand-in for /etc/chromium: a temp dir holding policies/{managed,recommended} and a
 * copy of the distribution's master_preferences, plus a wrapper script that starts /usr/bin/chromium
 * in its own mount namespace with that dir bind-mounted over /etc/chromium. The host's /etc is never
 * written; other Chromium processes on the machine see no policy.
 */
export function chromiumPolicyHost() {
  const dir = mkdtempSync(TMP_PREFIX);
  const etc = join(dir, 'etc-chromium');
  const managedDir = join(etc, 'policies/managed');
  mkdirSync(managedDir, { recursive: true });
  mkdirSync(join(etc, 'policies/recommended'), { recursive: true });
  if (existsSync('/etc/chromium/master_preferences')) cpSync('/etc/chromium/master_preferences', join(etc, 'master_preferences'));
  const log = join(dir, 'chromium.log');
  const wrapper = join(dir, 'chromium-with-policy.sh');
  const q = (s) => `'${s.replace(/'/g, "'\\''")}'`;
  writeFileSync(wrapper, [
    '#!/bin/sh',
    '# Test wrapper: Chromium in a private mount namespace where /etc/chromium is a temp dir (its policies).',
    `exec unshare --mount --propagation private sh -c 'mount --bind "$0" /etc/chromium && exec /usr/bin/chromium "$@"' ${q(etc)} "$@" 2>>${q(log)}`,
    '',
  ].join('\n'));
  chmodSync(wrapper, 0o755);
  return {
    dir,
    /** The folder Chromium sees as /etc/chromium/policies/managed. */
    managedDir,
    executablePath: wrapper,
    log,
    readLog: () => (existsSync(log) ? readFileSync(log, 'utf8') : ''),
    /** Writes (or rewrites, atomically) one policy file into the managed folder. */
    write(name, policy) {
      const tmp = join(managedDir, `.${name}.tmp`);
      writeFileSync(tmp, typeof policy === 'string' ? policy : `${JSON.stringify(policy, null, 2)}\n`);
      execFileSync('mv', ['-f', tmp, join(managedDir, name)]);
    },
    remove(name) {
      rmSync(join(managedDir, name), { force: true });
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Launches Chromium through a policy host's wrapper, with the same driver API as browsers.mjs.
 * `extensions: []` loads nothing from the command line (force-install comes from policy then), and
 * `backgroundNetworking: true` drops --disable-background-networking, which also stops the
 * extension updater that performs policy force-installs.
 */
export async function launchPolicyChromium(host, {
  extensions = [DIST_CHROME], args = [], backgroundNetworking = false, verbose = false, extensionId,
} = {}) {
  const { chromium } = await import('playwright-core');
  const userDataDir = mkdtempSync(join(tmpdir(), 'iceveil-chromium-policy-'));
  const extArgs = extensions.length
    ? [`--disable-extensions-except=${extensions.join(',')}`, `--load-extension=${extensions.join(',')}`]
    : [];
  const baseArgs = CHROMIUM_ARGS.filter((a) => backgroundNetworking ? a !== '--disable-background-networking' : true);
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: host.executablePath,
    headless: true,
    ignoreDefaultArgs: ['--disable-extensions', ...(backgroundNetworking ? ['--disable-background-networking'] : [])],
    args: [
      ...baseArgs,
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      ...(verbose ? ['--enable-logging=stderr', '--v=1'] : []),
      ...extArgs,
      ...args,
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const { CHROME_ID } = await import('./browsers.mjs');
  const driver = {
    name: 'chromium',
    context,
    page,
    extensionOrigin: `chrome-extension://${extensionId ?? CHROME_ID}`,
    goto: (url) => page.goto(url).then(() => {}),
    eval: (fn, arg) => page.evaluate(fn, arg),
    click: (selector) => page.click(selector),
    press: (key) => page.keyboard.press(key),
    text: (selector) => page.textContent(selector),
    screenshot: (path) => page.screenshot({ path, fullPage: true }),
    async close() {
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
  return driver;
}

/**
 * chrome://policy as lines of text, read through the page's (open) shadow roots: each set policy
 * renders as "name | value | source | scope | level | status", each extension section under
 * "# <name>" and "# <id>". With `reload`, clicks the page's own "Reload policies" button first.
 * Values arrive after the page renders, so with `match` (RegExp or predicate) it keeps reading until it matches
 * (or `timeoutMs` passes, returning the last text); without, it reads after a short settle.
 */
export async function chromiumPolicyPageText(driver, { reload = false, match, timeoutMs = 15000 } = {}) {
  await driver.goto('chrome://policy');
  await driver.page.waitForSelector('policy-table', { state: 'attached' });
  if (reload) await driver.page.click('#reload-policies');
  const read = () => driver.page.evaluate(() => {
    const lines = [];
    const walk = (root) => {
      for (const el of root.children) {
        if (el.tagName === 'POLICY-ROW' && el.shadowRoot) {
          const main = el.shadowRoot.querySelector('div');
          const cells = main ? [...main.children].map((c) => c.textContent.trim().replace(/\s+/g, ' ')) : [];
          if (cells[1]) lines.push(cells.slice(0, 6).join(' | ')); // rows without a value are unset policies
          continue;
        }
        if (/^H[1-3]$/.test(el.tagName) || (el.tagName === 'P' && el.parentElement?.querySelector('h2'))) lines.push(`# ${el.textContent.trim()}`);
        if (el.tagName === 'CR-ICONSET' || el.tagName === 'svg') continue;
        walk(el);
        if (el.shadowRoot) walk(el.shadowRoot);
      }
    };
    walk(document.body);
    return lines.join('\n');
  });
  const ok = typeof match === 'function' ? match : (t) => Boolean(match?.test(t));
  const end = Date.now() + (match ? timeoutMs : 1000);
  let text = await read();
  while (Date.now() < end && !ok(text)) {
    await driver.page.waitForTimeout(500);
    text = await read();
  }
  return text;
}

// ------------------------------------------------------------------------------------ CRX packing

/** A fresh 2048-bit RSA key (PEM) made with openssl, and the Chromium id it gives. */
export function makeSigningKey(dir) {
  const pem = join(dir, 'signing-key.pem');
  execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', pem], { stdio: 'ignore' });
  const spki = execFileSync('openssl', ['pkey', '-in', pem, '-pubout', '-outform', 'DER']);
  const publicKey = spki.toString('base64');
  return { pem, publicKey, id: chromeIdFromKey(publicKey) };
}

/**
 * Packs `srcDir` into a signed CRX3 with Chromium's own packer (headless), after writing the
 * signing key's public key into a copy of the manifest so manifest `key` and CRX id agree.
 */
export function packCrx(srcDir, key, outDir) {
  const stage = join(outDir, 'iceveil');
  rmSync(stage, { recursive: true, force: true });
  cpSync(srcDir, stage, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(stage, 'manifest.json'), 'utf8'));
  manifest.key = key.publicKey;
  writeFileSync(join(stage, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const profile = mkdtempSync(join(tmpdir(), 'iceveil-pack-'));
  try {
    execFileSync('/usr/lib/chromium/chromium', [
      '--headless', '--no-sandbox', `--user-data-dir=${profile}`,
      `--pack-extension=${stage}`, `--pack-extension-key=${key.pem}`,
    ], { stdio: 'ignore', timeout: 60000 });
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
  const crx = `${stage}.crx`;
  const bytes = readFileSync(crx);
  if (bytes.subarray(0, 4).toString() !== 'Cr24' || bytes.readUInt32LE(4) !== 3) throw new Error(`${crx} is not a CRX3 file`);
  return { crx, version: manifest.version, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Zips a directory into an XPI (a plain zip) with the project's own zipper. */
export function packXpi(srcDir, out) {
  execFileSync('python3', [join(ROOT, 'scripts/zip-dir.py'), srcDir, out]);
  return out;
}

// ------------------------------------------------------------------------------------ update server

/**
 * Serves fixed bodies on 127.0.0.1: `routes` maps a path to `{ type, body }` or to a function of the
 * origin returning one (for update manifests that name their own URL). Records every request.
 */
export async function serveFiles(routes) {
  const requests = [];
  let origin;
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    requests.push({ path, url: req.url, ua: req.headers['user-agent'] ?? '' });
    let route = routes[path];
    if (typeof route === 'function') route = route(origin);
    if (!route) {
      res.writeHead(404).end('not found');
      return;
    }
    const body = typeof route.body === 'string' ? Buffer.from(route.body) : route.body;
    res.writeHead(200, { 'content-type': route.type, 'content-length': body.length });
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, requests, close: () => new Promise((r) => server.close(r)) };
}

// ------------------------------------------------------------------------------------ Firefox policies

/**
 * A private copy of the Firefox ESR installation (hard links, except a real `distribution/`), so
 * `distribution/policies.json` applies to this copy only. Returns its binary for launchFirefox.
 */
export function firefoxPolicyInstall(policies) {
  const src = realpathSync('/usr/lib/firefox-esr');
  const dir = mkdtempSync(TMP_PREFIX);
  const install = join(dir, 'firefox-esr');
  try {
    execFileSync('cp', ['-al', src, install]);
  } catch {
    rmSync(install, { recursive: true, force: true });
    execFileSync('cp', ['-a', src, install]);
  }
  const dist = join(install, 'distribution');
  rmSync(dist, { recursive: true, force: true });
  const realDist = realpathSync(join(src, 'distribution'));
  if (existsSync(realDist)) execFileSync('cp', ['-a', realDist, dist]);
  else mkdirSync(dist);
  const handle = {
    dir,
    binary: join(install, 'firefox-esr'),
    policiesPath: join(dist, 'policies.json'),
    write(p) {
      writeFileSync(handle.policiesPath, `${JSON.stringify(p, null, 2)}\n`);
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (policies) handle.write(policies);
  return handle;
}

/** Launches the policy copy of Firefox; `extensions: []` installs nothing through geckodriver. */
export async function launchPolicyFirefox(install, opts = {}) {
  return launchFirefox({ ...opts, binary: install.binary });
}

/** Firefox's own answer on whether policies loaded, from chrome context: Services.policies. */
export async function firefoxPolicyStatus(driver) {
  return driver.chromeEval(() => ({
    status: Services.policies.status,
    active: Services.policies.getActivePolicies(),
  }));
}

/** What the Add-on Manager knows about IceVeil (installed? signed? why disabled?). */
export async function firefoxAddonInfo(driver, id = GECKO_ID) {
  return driver.chromeEval(async (addonId) => {
    const { AddonManager } = ChromeUtils.importESModule('resource://gre/modules/AddonManager.sys.mjs');
    const a = await AddonManager.getAddonByID(addonId);
    if (!a) return null;
    return {
      id: a.id, version: a.version, isActive: a.isActive, appDisabled: a.appDisabled, userDisabled: a.userDisabled,
      signedState: a.signedState, temporarilyInstalled: a.temporarilyInstalled, scope: a.scope,
      installTelemetryInfo: a.installTelemetryInfo ?? null,
    };
  }, id);
}

export { FIREFOX_UUID, GECKO_ID, until };
