import { chromiumPolicyHost, launchPolicyChromium, loadExample } from '../harness/policy.mjs';
import { openPopup, popupView } from '../harness/iceveil.mjs';
const host = chromiumPolicyHost();
host.write('iceveil.json', loadExample('chromium-managed-policy.json'));
const d = await launchPolicyChromium(host);
try {
  for (let i = 0; i < 15; i++) {
    await openPopup(d);
    const v = await popupView(d);
    console.log(i, JSON.stringify(await d.eval(() => chrome.storage.managed.get())), v.mode, v.lockedNote);
    await d.page.waitForTimeout(1000);
  }
} catch (e) { console.log('ERR', e); } finally { await d.close(); host.cleanup(); }
