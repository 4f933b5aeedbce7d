// Starts the Rust/Wasm core lazily, once per background or page lifetime, and hands out its exports.
import init, * as wasm from '../pkg/iceveil.js';
import { url } from './api.js';

let ready = null;

/** Resolves to the core's exports; a failed start is retried on the next call. */
export function core() {
  ready ??= init({ module_or_path: url('pkg/iceveil_bg.wasm') })
    .then(() => wasm)
    .catch((err) => {
      ready = null;
      throw err;
    });
  return ready;
}
