// Derives each browser's manifest from the one source manifest.json, dropping only keys that browser ignores or warns about.
import { readFileSync, writeFileSync } from 'node:fs';

const [src, browser, out] = process.argv.slice(2);
const m = JSON.parse(readFileSync(src, 'utf8'));
if (browser === 'chrome') {
  // Chromium >= 121 ignores background.scripts beside service_worker, but warns; it has no gecko settings.
  delete m.browser_specific_settings;
  delete m.background.scripts;
} else if (browser === 'firefox') {
  // Firefox runs background.scripts as an event page; `key`, minimum_chrome_version and the managed
  // schema are Chromium-only (Firefox reads managed storage from policies.json `3rdparty` without a schema).
  delete m.key;
  delete m.storage;
  delete m.minimum_chrome_version;
  delete m.background.service_worker;
} else {
  console.error(`derive-manifest: unknown browser ${JSON.stringify(browser)} (want chrome or firefox)`);
  process.exit(2);
}
writeFileSync(out, `${JSON.stringify(m, null, 2)}\n`);
