import { writeFileSync as require_fs_write0 } from 'node:fs'; const require_fs_write = (t) => require_fs_write0('/tmp/ent/chromium-force.log', t);
import { chromiumPolicyHost, launchPolicyChromium, chromiumPolicyPageText, loadExample, makeSigningKey, packCrx, serveFiles, EXAMPLE_CHROME_ID, EXAMPLE_BASE_URL } from '../harness/policy.mjs';
import { DIST_CHROME } from '../harness/browsers.mjs';
import { readFileSync } from 'node:fs';
const host = chromiumPolicyHost();
const key = makeSigningKey(host.dir);
const t0 = Date.now();
const pkg = packCrx(DIST_CHROME, key, host.dir);
console.log('packed', key.id, Date.now() - t0, 'ms');
const crx = readFileSync(pkg.crx);
const srv = await serveFiles({
  '/updates.xml': (origin) => ({ type: 'application/xml', body: loadExample('updates.xml', { [EXAMPLE_CHROME_ID]: key.id, [EXAMPLE_BASE_URL]: origin }) }),
  '/iceveil-0.1.0.crx': { type: 'application/x-chrome-extension', body: crx },
});
host.write('iceveil.json', { ...loadExample('chromium-force-install.json', { [EXAMPLE_CHROME_ID]: key.id, [EXAMPLE_BASE_URL]: srv.origin }), DeveloperToolsAvailability: 1 });
const d = await launchPolicyChromium(host, { extensions: [], backgroundNetworking: true, verbose: false, extensionId: key.id });
try {
  for (let i = 0; i < 3; i++) {
    await d.page.waitForTimeout(1500);
    const workers = d.context.serviceWorkers().map(w => w.url());
    console.log(i, srv.requests.map(r => r.path).join(','), workers);
    if (workers.some(u => u.includes(key.id))) break;
  }
  console.log('pages', d.context.pages().map(p => p.url()), d.page.isClosed());
  const p2 = await d.context.newPage(); d.page = p2;
  await p2.goto(`chrome-extension://${key.id}/popup.html`);
  for (let i=0;i<10;i++){ await d.page.waitForTimeout(1000); console.log(i, await d.page.evaluate(() => chrome.storage.managed.get()), await d.page.evaluate(() => chrome.privacy.network.webRTCIPHandlingPolicy.get({}))); }
  console.log(await d.page.evaluate(() => document.body.dataset.mode), await d.page.evaluate(() => chrome.privacy.network.webRTCIPHandlingPolicy.get({})));
  console.log(await chromiumPolicyPageText(d));
} catch (e) { console.log("ERR", e); } finally { await d.close(); await srv.close(); require_fs_write(host.readLog()); console.log(host.readLog().split('\n').filter(l => !l.startsWith('Histogram') && /extension|crx|update|install|crash|fatal/i.test(l)).slice(-40).join('\n')); host.cleanup(); }
