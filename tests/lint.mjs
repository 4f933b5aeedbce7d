// Package checks: web-ext lint on dist/firefox must report 0 errors; Chromium must load dist/chrome with no manifest errors or warnings.
import { execFileSync } from 'node:child_process';
import { DIST_CHROME, DIST_FIREFOX, ROOT, CHROME_ID, launchChromium } from './harness/browsers.mjs';

let failures = 0;
let passes = 0;
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  ok ? passes++ : failures++;
};

let lint;
try {
  lint = execFileSync(`${ROOT}/node_modules/.bin/web-ext`, ['lint', '--source-dir', DIST_FIREFOX, '--output', 'json', '--no-config-discovery'], { encoding: 'utf8' });
} catch (err) {
  lint = err.stdout; // web-ext exits non-zero when it finds errors; the JSON is still on stdout
}
const report = JSON.parse(lint);
for (const kind of ['errors', 'warnings', 'notices']) {
  for (const m of report[kind]) console.log(`  web-ext ${kind.slice(0, -1)}: ${m.code} ${m.file ?? ''} ${m.message}`);
}
check(report.summary.errors === 0, `web-ext lint dist/firefox: ${report.summary.errors} errors, ${report.summary.warnings} warnings, ${report.summary.notices} notices`);

const driver = await launchChromium();
try {
  await driver.goto('chrome://extensions');
  const info = await driver.eval(() => new Promise((resolve) => chrome.developerPrivate.getExtensionsInfo(resolve)));
  const mine = info.find((e) => e.id === CHROME_ID);
  check(Boolean(mine), `Chromium loaded dist/chrome as ${CHROME_ID}`);
  if (mine) {
    for (const w of mine.installWarnings ?? []) console.log(`  chromium install warning: ${w}`);
    for (const e of mine.manifestErrors ?? []) console.log(`  chromium manifest error: ${e.message}`);
    check((mine.manifestErrors ?? []).length === 0, 'Chromium: no manifest errors');
    check((mine.installWarnings ?? []).length === 0, 'Chromium: no install warnings');
    check(mine.state === 'ENABLED', `Chromium: extension state ${mine.state}`);
  }
} finally {
  await driver.close();
}
console.log(`lint: ${passes} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
