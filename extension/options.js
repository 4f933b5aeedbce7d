// IceVeil options page: renders the background's state and sends the user's changes to it; the core validates every value.
import { allowedInPrivate, copyText, extensionVersion, message, onBroadcast, sendMessage } from './lib/api.js';
import { localize, showPrivateStatus } from './lib/ui.js';

const $ = (id) => document.getElementById(id);
let state = null;
let iceEdited = false;

function showError(el, text) {
  el.textContent = text ?? '';
  el.hidden = !text;
}

function li(text, button) {
  const item = document.createElement('li');
  item.append(Object.assign(document.createElement('span'), { textContent: text }));
  if (button) item.append(button);
  return item;
}

function renderExceptions(info) {
  const blocked = info.locked || Array.isArray(info.managedExceptions);
  $('exc-list').replaceChildren(...info.userExceptions.map((pattern) => {
    const remove = Object.assign(document.createElement('button'), { type: 'button', textContent: message('exceptionsRemove'), disabled: blocked });
    remove.setAttribute('aria-label', message('exceptionsRemoveLabel', [pattern]));
    remove.addEventListener('click', () => change(false, pattern));
    return li(pattern, remove);
  }));
  $('exc-empty').hidden = info.userExceptions.length > 0;
  $('exc-input').disabled = blocked;
  $('exc-add').disabled = blocked;
  $('managed-exc').hidden = !Array.isArray(info.managedExceptions);
  if (Array.isArray(info.managedExceptions)) {
    $('managed-exc-list').replaceChildren(...(info.managedExceptions.length
      ? info.managedExceptions.map((p) => li(p)) : [li(message('exceptionsNone'))]));
  }
}

async function change(add, pattern) {
  showError($('exc-error'), null);
  try {
    renderExceptions(await sendMessage({ type: add ? 'exceptions.add' : 'exceptions.remove', pattern }));
    if (add) $('exc-input').value = '';
  } catch (err) {
    showError($('exc-error'), message('exceptionRefused', [String(err.message ?? err)]));
  }
}

async function render(next) {
  state = next;
  document.body.dataset.ready = 'true';
  const locked = Boolean(state.locked);
  $('locked-note').hidden = !locked;
  $('opt-modes').disabled = locked;
  for (const radio of document.querySelectorAll('input[name=opt-mode]')) radio.checked = radio.value === state.mode;
  document.body.dataset.mode = state.mode;
  const iceLocked = locked || Boolean(state.managed?.selfTestIceServers);
  $('ice-servers').disabled = iceLocked;
  $('ice-servers-save').disabled = iceLocked;
  $('ice-servers').dataset.saved = state.iceServerLines ?? '';
  if (!iceEdited) $('ice-servers').value = state.iceServerLines ?? '';
  $('v-extension').textContent = extensionVersion();
  $('v-core').textContent = state.coreVersion ?? '';
  $('v-browser').textContent = navigator.userAgent;
  const allowed = await allowedInPrivate().catch(() => null);
  showPrivateStatus($('private-value'), $('private-help'), allowed);
  const info = await sendMessage({ type: 'site.info' });
  renderExceptions(info);
  $('diag').textContent = JSON.stringify({
    extension: extensionVersion(), core: state.coreVersion, browser: state.browser, userAgent: navigator.userAgent,
    mode: state.mode, locked: state.locked, pageLayer: state.pageLayer, settings: state.settings,
    userExceptions: info.userExceptions, managedExceptions: info.managedExceptions, allowedInPrivate: allowed,
    userIssues: state.userIssues, managedIssues: state.managedIssues,
  }, null, 2);
}

async function act(request) {
  try {
    await render(await sendMessage(request));
    return true;
  } catch (err) {
    await render(await sendMessage({ type: 'state' }));
    throw err;
  }
}

localize(document);
for (const radio of document.querySelectorAll('input[name=opt-mode]')) {
  radio.addEventListener('change', () => radio.checked && act({ type: 'setMode', mode: radio.value }).catch(() => {}));
}
$('exc-form').addEventListener('submit', (e) => {
  e.preventDefault();
  change(true, $('exc-input').value);
});
$('ice-servers').addEventListener('input', () => { iceEdited = true; });
$('ice-servers-save').addEventListener('click', async () => {
  showError($('srv-error'), null);
  $('srv-status').textContent = '';
  try {
    await sendMessage({ type: 'setIceServers', text: $('ice-servers').value });
    iceEdited = false;
    await render(await sendMessage({ type: 'state' }));
    $('srv-status').textContent = message('saved');
  } catch (err) {
    showError($('srv-error'), message('iceServersRefused', [String(err.message ?? err)]));
  }
});
$('diag-copy').addEventListener('click', async () => {
  const ok = await copyText($('diag').textContent).then(() => true, () => false);
  $('diag-status').textContent = message(ok ? 'selftestCopied' : 'selftestCopyFailed');
});
onBroadcast('state-changed', () => act({ type: 'state' }).catch(() => {}));
act({ type: 'state' }).catch(() => {});
