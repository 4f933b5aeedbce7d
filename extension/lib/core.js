// Starts the Rust/Wasm core lazily, once per background or page lifetime, and hands out its exports.
import init, * as wasm from '../pkg/iceveil.js';
import { fileText, url } from './api.js';

let ready = null;

/**
 * The Public Suffix List the site-pattern rules need (src/suffix.rs). Without it the core refuses every
 * wildcard pattern, with a message that says why: the safe side, since an exception that is not applied
 * only filters more.
 */
async function loadSuffixList() {
  try {
    const loaded = wasm.loadPublicSuffixList(await fileText('psl/public_suffix_list.dat'));
    if (loaded.error) console.warn('IceVeil: wildcard site patterns are refused:', loaded.error);
  } catch (err) {
    console.warn('IceVeil: the public-suffix list could not be read; wildcard site patterns are refused', err);
  }
}

let started = null;
/**
 * The core's exports once the Wasm is instantiated, before the suffix list is in: for what needs no site
 * pattern (the background's first apply of a mode). A failed start is retried on the next call.
 */
export function coreWithoutSuffixList() {
  started ??= init({ module_or_path: url('pkg/iceveil_bg.wasm') })
    .then(() => wasm)
    .catch((err) => {
      started = null;
      throw err;
    });
  return started;
}

/** Resolves to the core's exports, with the suffix list loaded; a failed start is retried on the next call. */
export function core() {
  ready ??= coreWithoutSuffixList()
    .then(loadSuffixList)
    .then(() => wasm)
    .catch((err) => {
      ready = null;
      throw err;
    });
  return ready;
}
