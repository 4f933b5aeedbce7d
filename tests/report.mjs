// The headless report `./build.sh` prints: loads dist/chrome into Chromium, runs the popup's own leak self-test, and prints what it shows.
import { CHROME_ID, launchChromium, until } from './harness/browsers.mjs';
import { browserSetting, localAddresses, openPopup, popupView, runSelfTest, setIceServers } from './harness/iceveil.mjs';
import { labInfo } from './harness/lab.mjs';
import { serve } from './harness/server.mjs';

const lab = labInfo();
const local = localAddresses();
const site = await serve();
const driver = await launchChromium({ exposeLocalIps: true });
let ok = false;
const line = (k, v) => console.log(`  ${k.padEnd(27)} ${v}`);
const table = (title, rows) => {
  console.log(`\n  ${title}`);
  if (!rows.length) console.log('    (no candidates)');
  for (const r of rows) console.log(`    ${r.type.padEnd(6)} ${r.protocol.padEnd(4)} ${r.address.padEnd(34)} ${r.kind.padEnd(12)} ${r.exposure}`);
};
try {
  const worker = await until(() => driver.context.serviceWorkers().find((w) => w.url().includes(CHROME_ID)),
    { what: 'the IceVeil service worker', timeoutMs: 15000 });
  console.log('\nIceVeil headless report (Chromium, dist/chrome, raw local addresses exposed)');
  line('extension loaded', `yes: ${worker.url()}`);
  await openPopup(driver);
  const setting = await until(async () => {
    const s = await browserSetting(driver);
    return s.levelOfControl === 'controlled_by_this_extension' ? s : null;
  }, { what: 'the mode to be applied', timeoutMs: 15000 }).catch(() => browserSetting(driver));
  const view = await popupView(driver);
  line('mode applied', view.mode);
  line('effective browser policy', `${setting.value} (${setting.levelOfControl})`);
  line('popup: controlled by', view.controllerText);
  if (view.warning) line('popup warning', view.warning);
  line('network', lab
    ? `NAT lab: client ${lab.LAB_CLIENT_IP} behind public ${lab.LAB_PUBLIC_IP}, STUN ${lab.LAB_STUN_URL}`
    : `this namespace (${local.join(', ')}), no STUN server reachable`);
  // The "current site": a test page in its own window, as when the toolbar popup opens over a website.
  await driver.eval((url) => chrome.windows.create({ url }), `${site.origin}/gather.html`);
  // Only the lab's own STUN server, or none: the report never sends a packet beyond this machine.
  await setIceServers(driver, lab ? [lab.LAB_STUN_URL] : []);
  const r = await runSelfTest(driver);
  line('self-test summary', r.summaryText);
  table(`What this browser exposes to the site (layer 1): ${r.browserSummary}`, r.browser);
  table(`What the site sees through IceVeil (layer 2): ${r.siteSummary}`, r.site);
  const leaked = [...r.browser, ...r.site].filter((row) => local.some((a) => row.address.includes(a)));
  console.log('');
  line('local addresses exposed', leaked.length ? `LEAK: ${leaked.map((x) => x.address).join(', ')}` : 'none');
  ok = setting.levelOfControl === 'controlled_by_this_extension' && leaked.length === 0 && r.done === 'done';
  line('verdict', ok ? 'protected' : 'NOT protected');
} finally {
  await driver.close();
  await site.close();
}
process.exit(ok ? 0 : 1);
