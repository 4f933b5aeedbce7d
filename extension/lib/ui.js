// Shared by the popup, options and first-run pages: fills in their strings from _locales and names the browser's setting values in plain words.
import { browserName, message } from './api.js';

/** The core's messages (`{id, args}`) rendered from _locales: the one renderer, shared with the background. */
export { coreText } from './api.js';

/** Replaces the text of every `[data-i18n]` element (and `[data-i18n-placeholder]`) with its message. */
export function localize(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    const text = message(el.dataset.i18n);
    if (text) el.textContent = text;
  }
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = message(el.dataset.i18nPlaceholder);
  const lang = message('@@ui_locale').replace('_', '-') || 'en';
  root.documentElement.lang = lang;
  root.documentElement.dir = message('@@bidi_dir') || 'ltr';
}

/** A browser setting value (`default_public_interface_only`, …) in plain words; an unknown one as it is. */
export function policyName(value) {
  return message(`policy_${String(value)}`) || String(value);
}

/** Shows whether IceVeil runs in private windows in `value`, and how to allow it in `help` when it does not. */
export function showPrivateStatus(value, help, allowed) {
  value.textContent = message(allowed ? 'privateAllowed' : 'privateNotAllowed');
  value.dataset.allowed = String(allowed);
  help.hidden = allowed !== false;
  help.textContent = message(browserName === 'firefox' ? 'privateHelpFirefox' : 'privateHelpChromium');
}
