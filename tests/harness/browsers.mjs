// Starts real Chromium (playwright-core) and real Firefox ESR (geckodriver) with IceVeil loaded, behind one small driver API.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** The built packages under test: ./dist, or IVL_DIST to test another build. */
export const DIST = process.env.IVL_DIST ? resolve(process.env.IVL_DIST) : join(ROOT, 'dist');
export const DIST_CHROME = join(DIST, 'chrome');
export const DIST_FIREFOX = join(DIST, 'firefox');
const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8'));
export const GECKO_ID = MANIFEST.browser_specific_settings.gecko.id;
export const FIREFOX_UUID = '6d1c0f57-6a1e-4c2b-9a55-1ce7ea11ce01';

/** The Chromium extension id that the manifest `key` pins: sha256 of the key, first 32 hex digits as a–p. */
export function chromeIdFromKey(keyB64) {
  const hex = createHash('sha256').update(Buffer.from(keyB64, 'base64')).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
}
export const CHROME_ID = chromeIdFromKey(MANIFEST.key);

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic', '--disable-default-apps',
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function until(fn, { timeoutMs = 10000, intervalMs = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last?.stack ?? JSON.stringify(last)}`);
    await sleep(intervalMs);
  }
}

// ------------------------------------------------------------------------------------------ Chromium
export async function launchChromium({ extensions = [DIST_CHROME], exposeLocalIps = true, args = [] } = {}) {
  const { chromium } = await import('playwright-core');
  const userDataDir = mkdtempSync(join(tmpdir(), 'iceveil-chromium-'));
  const extArgs = extensions.length
    ? [`--disable-extensions-except=${extensions.join(',')}`, `--load-extension=${extensions.join(',')}`]
    : [];
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [
      ...CHROMIUM_ARGS,
      ...(exposeLocalIps ? ['--disable-features=WebRtcHideLocalIpsWithMdns'] : []),
      ...extArgs,
      ...args,
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const driver = {
    name: 'chromium',
    context,
    page,
    extensionOrigin: `chrome-extension://${CHROME_ID}`,
    async goto(url) {
      await page.goto(url);
    },
    async eval(fn, arg) {
      return page.evaluate(fn, arg);
    },
    async click(selector) {
      await page.click(selector);
    },
    async press(key) {
      await page.keyboard.press(key);
    },
    async text(selector) {
      return page.textContent(selector);
    },
    /** document.title of the driver's page, read from playwright's utility world (no page script runs). */
    async title() {
      return page.title();
    },
    /** document.title of the first other page whose URL contains `urlPart` (e.g. a window opened from the popup), or null. */
    async titleOf(urlPart) {
      const other = context.pages().find((p) => p.url().includes(urlPart));
      return other ? other.title() : null;
    },
    async screenshot(path) {
      await page.screenshot({ path, fullPage: true });
    },
    async close() {
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
  return driver;
}

// ------------------------------------------------------------------------------------------ Firefox
async function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

/** A minimal W3C WebDriver client for geckodriver, over fetch. */
class WebDriver {
  constructor(base) {
    this.base = base;
  }

  async cmd(method, path, body) {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (json.value && json.value.error) throw new Error(`WebDriver ${path}: ${json.value.error}: ${json.value.message}`);
    return json.value;
  }
}

export async function launchFirefox({ extensions = [DIST_FIREFOX], exposeLocalIps = true, prefs = {}, binary } = {}) {
  const geckodriver = process.env.GECKODRIVER ?? join(ROOT, '.tools/geckodriver-0.37.1/bin/geckodriver');
  const port = await freePort();
  const proc = spawn(geckodriver, ['--port', String(port), '--host', '127.0.0.1', '--allow-system-access'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  proc.stderr.on('data', (d) => {
    log = (log + d).slice(-20000);
  });
  const wd = new WebDriver(`http://127.0.0.1:${port}`);
  await until(() => fetch(`${wd.base}/status`).then((r) => r.ok), { what: 'geckodriver', timeoutMs: 15000 });
  const session = await wd.cmd('POST', '/session', {
    capabilities: {
      alwaysMatch: {
        browserName: 'firefox',
        'moz:firefoxOptions': {
          binary: binary ?? process.env.FIREFOX ?? '/usr/bin/firefox-esr',
          args: ['-headless'],
          prefs: {
            'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: FIREFOX_UUID }),
            'media.navigator.permission.disabled': true,
            'media.peerconnection.ice.obfuscate_host_addresses': !exposeLocalIps,
            'datareporting.policy.dataSubmissionEnabled': false,
            'browser.shell.checkDefaultBrowser': false,
            ...prefs,
          },
        },
      },
    },
  });
  const sid = session.sessionId;
  const s = (path) => `/session/${sid}${path}`;
  for (const path of extensions) {
    await wd.cmd('POST', s('/moz/addon/install'), { path, temporary: true });
  }
  const driver = {
    name: 'firefox',
    wd,
    extensionOrigin: `moz-extension://${FIREFOX_UUID}`,
    log: () => log,
    async goto(url) {
      await wd.cmd('POST', s('/url'), { url });
    },
    async eval(fn, arg) {
      const script = `const done = arguments[arguments.length - 1];
        Promise.resolve().then(() => (${fn})(arguments[0]))
          .then((v) => done({ ok: v === undefined ? null : v }), (e) => done({ err: String(e && e.stack || e) }));`;
      const r = await wd.cmd('POST', s('/execute/async'), { script, args: [arg ?? null] });
      if (r && 'err' in r) throw new Error(`in page: ${r.err}`);
      return r?.ok;
    },
    /** Runs `fn` with chrome privileges (Services.prefs etc.), for reading the browser's own truth. */
    async chromeEval(fn, arg) {
      await wd.cmd('POST', s('/moz/context'), { context: 'chrome' });
      try {
        return await driver.eval(fn, arg);
      } finally {
        await wd.cmd('POST', s('/moz/context'), { context: 'content' });
      }
    },
    async click(selector) {
      const el = await wd.cmd('POST', s('/element'), { using: 'css selector', value: selector });
      await wd.cmd('POST', s(`/element/${Object.values(el)[0]}/click`), {});
    },
    async press(key) {
      const KEYS = { Space: ' ', Tab: '\uE004', Enter: '\uE007', ArrowDown: '\uE015', ArrowUp: '\uE013' };
      const value = KEYS[key] ?? key;
      await wd.cmd('POST', s('/actions'), {
        actions: [{ type: 'key', id: 'kbd', actions: [{ type: 'keyDown', value }, { type: 'keyUp', value }] }],
      });
    },
    async text(selector) {
      return driver.eval((sel) => document.querySelector(sel)?.textContent ?? null, selector);
    },
    /** document.title of the current window (WebDriver Get Title: no page script runs). */
    async title() {
      return wd.cmd('GET', s('/title'));
    },
    /**
     * document.title of the first other window whose URL contains `urlPart`, or null: switches to it for
     * WebDriver Get Current URL and Get Title, then back to the driver's window.
     */
    async titleOf(urlPart) {
      const current = await wd.cmd('GET', s('/window'));
      try {
        for (const handle of await wd.cmd('GET', s('/window/handles'))) {
          if (handle === current) continue;
          await wd.cmd('POST', s('/window'), { handle });
          if ((await wd.cmd('GET', s('/url'))).includes(urlPart)) return await wd.cmd('GET', s('/title'));
        }
        return null;
      } finally {
        await wd.cmd('POST', s('/window'), { handle: current });
      }
    },
    async screenshot(path) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(path, Buffer.from(await wd.cmd('GET', s('/screenshot')), 'base64'));
    },
    async installAddon(path) {
      return wd.cmd('POST', s('/moz/addon/install'), { path, temporary: true });
    },
    async close() {
      await wd.cmd('DELETE', s('')).catch(() => {});
      proc.kill('SIGTERM');
    },
  };
  return driver;
}

export const BROWSERS = {
  chromium: launchChromium,
  firefox: launchFirefox,
};

/** Which browsers to run: all, or those named in IVL_BROWSERS (comma-separated). */
export function selectedBrowsers() {
  const wanted = (process.env.IVL_BROWSERS ?? 'chromium,firefox').split(',').map((s) => s.trim());
  return Object.keys(BROWSERS).filter((b) => wanted.includes(b));
}
