// IceVeil popup: renders the background's state and turns clicks into mode changes; it decides nothing.
import { message, sendMessage } from './lib/api.js';

const $ = (id) => document.getElementById(id);
const CONTROLLER_KEYS = {
  iceveil: 'controllerIceveil',
  browser: 'controllerBrowser',
  'other-extension': 'controllerOtherExtension',
  policy: 'controllerPolicy',
  'not-controllable': 'controllerNotControllable',
  unknown: 'controllerUnknown',
};

function localize() {
  for (const el of document.querySelectorAll('[data-i18n]')) {
    const text = message(el.dataset.i18n);
    if (text) el.textContent = text;
  }
  document.documentElement.lang = message('@@ui_locale').replace('_', '-') || 'en';
}

function showList(el, issues) {
  el.replaceChildren(...issues.map((i) => Object.assign(document.createElement('li'), { textContent: i.message })));
  el.hidden = issues.length === 0;
}

function showBanner(el, text) {
  el.textContent = text ?? '';
  el.hidden = !text;
}

function render(state) {
  document.body.dataset.ready = 'true';
  showBanner($('core-error'), state.coreError ? message('coreError', [state.coreError]) : null);
  if (state.coreError) return;
  const on = state.mode !== 'off';
  const locked = Boolean(state.locked);
  $('enabled').checked = on;
  $('enabled').disabled = locked;
  $('enabled-state').textContent = message(on ? 'stateOn' : 'stateOff');
  $('modes').disabled = locked;
  $('locked-note').hidden = !locked;
  const shown = on ? state.mode : state.lastOnMode;
  for (const radio of document.querySelectorAll('input[name=mode]')) radio.checked = radio.value === shown;
  document.body.dataset.mode = state.mode;

  showList($('user-issues'), state.userIssues.map((i) => ({ message: message('userIssue', [i.message]) })));
  showList($('managed-issues'), state.managedIssues.map((i) => ({ message: message('managedIssue', [i.key, i.message]) })));

  const policy = state.settings.webRTCIPHandlingPolicy;
  $('policy-value').textContent = policy.value;
  $('controller').textContent = message(CONTROLLER_KEYS[policy.controller] ?? 'controllerUnknown');
  $('controller').dataset.controller = policy.controller;

  const peer = state.settings.peerConnectionEnabled;
  $('peer-row-label').hidden = !peer;
  $('peer-value').hidden = !peer;
  if (peer) $('peer-value').textContent = message(peer.value ? 'peerEnabled' : 'peerDisabled');

  const lost = Object.values(state.settings).find((s) => !s.inEffect);
  let warning = null;
  if (lost && !lost.canControl) {
    warning = message(
      lost.controller === 'other-extension' ? 'warnOtherExtension'
        : lost.controller === 'policy' ? 'warnPolicy' : 'warnNotControllable',
    );
  } else if (lost) {
    warning = message('warnNotApplied');
  }
  showBanner($('control-warning'), warning);
  $('control-warning').dataset.kind = lost ? lost.controller : '';
}

async function act(request) {
  showBanner($('action-error'), null);
  try {
    render(await sendMessage(request));
  } catch (err) {
    showBanner($('action-error'), message('actionFailed', [String(err.message ?? err)]));
    render(await sendMessage({ type: 'state' }).catch(() => ({ coreError: String(err.message ?? err) })));
  }
}

localize();
$('enabled').addEventListener('change', (e) => act({ type: 'setEnabled', enabled: e.target.checked }));
for (const radio of document.querySelectorAll('input[name=mode]')) {
  radio.addEventListener('change', () => radio.checked && act({ type: 'setMode', mode: radio.value }));
}
act({ type: 'state' });
