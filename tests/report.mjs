// The headless report `./build.sh` prints: loads dist/chrome into Chromium and shows what IceVeil did and what a page can gather.
import { CHROME_ID, launchChromium, until } from './harness/browsers.mjs';
import { browserSetting, exposedAddresses, gatherOnPage, localAddresses, openPopup, popupView } from './harness/iceveil.mjs';
import { labIceServers, labInfo } from './harness/lab.mjs';
import { serve } from './harness/server.mjs';

const lab = labInfo();
const local = localAddresses();
const site = await serve();
const driver = await launchChromium({ exposeLocalIps: true });
let ok = true;
const line = (k, v) => console.log(`  ${k.padEnd(26)} ${v}`);
try {
  const worker = await until(() => driver.context.serviceWorkers().find((w) => w.url().includes(CHROME_ID)),
    { what: 'the IceVeil service worker', timeoutMs: 15000 });
  console.log('\nIceVeil headless report (Chromium, dist/chrome)');
  line('extension loaded', `yes: ${worker.url()}`);
  await openPopup(driver);
  const setting = await until(async () => {
    const s = await browserSetting(driver);
    return s.levelOfControl === 'controlled_by_this_extension' ? s : null;
  }, { what: 'the mode to be applied', timeoutMs: 15000 }).catch(() => browserSetting(driver));
  const view = await popupView(driver);
  line('mode applied', view.mode);
  line('effective browser policy', `${setting.value} (${setting.levelOfControl})`);
  line('popup says controlled by', view.controllerText);
  if (view.warning) line('popup warning', view.warning);
  line('network', lab ? `NAT lab: client ${lab.LAB_CLIENT_IP} behind public ${lab.LAB_PUBLIC_IP}, STUN ${lab.LAB_STUN_URL}` : `this namespace (${local.join(', ')}), no STUN server`);
  const result = await gatherOnPage(driver, site.origin, { iceServers: labIceServers(), timeoutMs: 5000 });
  console.log(`  candidates a test page gathered: ${result.candidates.length}`);
  for (const c of result.candidates) console.log(`    ${c.type.padEnd(6)} ${c.protocol.padEnd(4)} ${c.address}${c.relatedAddress ? ` (raddr ${c.relatedAddress})` : ''}`);
  const leaked = exposedAddresses(result).filter((a) => local.includes(a));
  line('local addresses exposed', leaked.length ? `LEAK: ${leaked.join(', ')}` : 'none');
  ok = view.mode !== undefined && setting.levelOfControl === 'controlled_by_this_extension' && leaked.length === 0;
  line('verdict', ok ? 'protected' : 'NOT protected');
} finally {
  await driver.close();
  await site.close();
}
process.exit(ok ? 0 : 1);
