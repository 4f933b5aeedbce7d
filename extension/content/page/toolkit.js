// Page layer toolkit: every built-in the MAIN-world page layer uses, taken once at document_start (before any page script), and the only helpers the other modules may use on values a page can reach.
//
// The page runs in this realm and may, at any time after this module ran, replace any global, put getters and
// setters on any prototype (Object.prototype and Array.prototype included, for any name: `then`, `get`, `value`,
// index names, every name this file uses), and patch Function.prototype.call/apply/bind, Promise.prototype.then,
// Symbol.iterator, toJSON and every Event, EventTarget, Node and RTC* member. So every other module keeps these rules:
// 1. Built-ins only from here. Nothing is read off a global or a prototype at run time: no `String(x)`, no `x.foo()`
//    on a built-in, no `new Promise` with the global.
// 2. No implicit conversion of a value the page can influence: no `String(x)`, template literal, `+` or comparison
//    on anything but a primitive we checked. Strings are joined only with `cat`, which takes checked primitives.
// 3. Null prototypes: every object we create that a platform API reads (event inits, descriptors, configurations,
//    dictionaries) or that holds our state has a null prototype (`obj()`, `dataDesc`, `accessorDesc`, `list`).
// 4. Raw data is read only through getters taken here (or per realm in realms.js, from a realm no page code has
//    reached yet), and plain fields only when they are own data properties (`ownData`), never through a lookup
//    that can fall through to a prototype.
// 5. No promise is resolved with a raw value or anything a page `then` can intercept: internal asynchrony is
//    callbacks; a browser's promise is observed only through `settle`, which reads no page-reachable `constructor`
//    or `@@species`; a promise handed to the page is resolved only with what the page may see.
// 6. No iteration protocol, spread or destructuring on page-reachable objects: index loops over own properties.
// 7. Fail closed: when a read or a verdict is not available, the item is dropped.
// Touches raw data: no (it only carries it).

export const W = globalThis;
const R = W.Reflect;
const O = W.Object;
export const apply = R.apply;
export const construct = R.construct;
export const ownKeys = R.ownKeys;
export const getProto = O.getPrototypeOf;
export const setProto = O.setPrototypeOf;
const defineProperty = O.defineProperty;
const getOwnDesc = O.getOwnPropertyDescriptor;
// Static functions taken here are called directly: a direct call of a captured function reads nothing the
// page can patch (only methods that need a `this` go through Reflect.apply).
const objectHasOwn = O.hasOwn;
export const hasOwn = (o, k) => objectHasOwn(o, k);

/** A fresh object with no prototype (state, dictionaries, inits). */
export const obj = () => ({ __proto__: null });

/** An own data property's value, else undefined: no getter and no prototype is ever consulted. */
export function ownData(o, k) {
  if (o === null || (typeof o !== 'object' && typeof o !== 'function')) return undefined;
  const d = getOwnDesc(o, k);
  return d !== undefined && objectHasOwn(d, 'value') ? d.value : undefined;
}

/** The own property descriptor of o[k] as a null-prototype copy (only the fields it has), or null. */
export function ownDesc(o, k) {
  const d = getOwnDesc(o, k);
  if (d === undefined) return null;
  const out = obj();
  if (objectHasOwn(d, 'value')) { out.value = d.value; out.writable = d.writable; } else {
    out.get = d.get;
    out.set = d.set;
  }
  out.enumerable = d.enumerable;
  out.configurable = d.configurable;
  return out;
}
/** The own getter of o[k], or undefined (read off the engine's fresh descriptor only once it has an own `get`). */
export function ownGetter(o, k) {
  const d = o ? getOwnDesc(o, k) : undefined;
  return d !== undefined && objectHasOwn(d, 'get') && typeof d.get === 'function' ? d.get : undefined;
}
export const define = (o, k, desc) => defineProperty(o, k, desc);
export function dataDesc(value, writable, enumerable, configurable) {
  const d = obj();
  d.value = value;
  d.writable = writable;
  d.enumerable = enumerable;
  d.configurable = configurable;
  return d;
}
export function accessorDesc(get, set, enumerable, configurable) {
  const d = obj();
  d.get = get;
  d.set = set;
  d.enumerable = enumerable;
  d.configurable = configurable;
  return d;
}

export const isFunction = (v) => typeof v === 'function';
export const isString = (v) => typeof v === 'string';
export const isObject = (v) => v !== null && typeof v === 'object';

// ------------------------------------------------------------------ functions
const fnToString = W.Function.prototype.toString;
/** The source text of f under the pristine Function.prototype.toString, or null. */
export function fnSource(f) {
  try {
    return apply(fnToString, f, []);
  } catch {
    return null;
  }
}
export const getterOf = (fn) => ownDesc({ __proto__: null, get g() { return apply(fn, this, []); } }, 'g').get;

// ------------------------------------------------------------------ strings (primitive strings only)
const S = W.String.prototype;
const strIndexOf = S.indexOf;
const strSlice = S.slice;
const strCharCodeAt = S.charCodeAt;
export const indexOf = (s, sub, from) => apply(strIndexOf, s, [sub, from === undefined ? 0 : from]);
export const slice = (s, a, b) => apply(strSlice, s, b === undefined ? [a] : [a, b]);
export const charCodeAt = (s, i) => apply(strCharCodeAt, s, [i]);
export const startsWith = (s, p) => apply(strSlice, s, [0, p.length]) === p;
/** Joins two checked primitives (strings, or numbers we made): the only place where `+` meets text. */
const TypeErrorN = W.TypeError;
export function cat(a, b) {
  const ta = typeof a;
  const tb = typeof b;
  if ((ta !== 'string' && ta !== 'number') || (tb !== 'string' && tb !== 'number')) throw new TypeErrorN('iceveil: cat of a non-primitive');
  return `${a}${b}`;
}
/** The parts of `s` split on `sep` (both primitive strings), as a list. */
export function splitOn(s, sep) {
  const out = list();
  let start = 0;
  for (;;) {
    const i = indexOf(s, sep, start);
    if (i < 0) { push(out, slice(s, start)); return out; }
    push(out, slice(s, start, i));
    start = i + sep.length;
  }
}

// ------------------------------------------------------------------ JSON
const jsonStringify = W.JSON.stringify;
const jsonParseN = W.JSON.parse;
/** A primitive string as a JSON string literal (JSON.stringify of a primitive runs no page code). */
export const jsonQuote = (s) => apply(jsonStringify, null, [isString(s) ? s : '']);
/** JSON text -> value, or null. Objects it makes are read only through ownData. */
export function jsonParse(s) {
  if (!isString(s)) return null;
  try {
    return apply(jsonParseN, null, [s]);
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------ lists and maps
/** A list with no prototype: `n` items at 0..n-1. */
export const list = () => ({ __proto__: null, n: 0 });
export const push = (l, v) => { l[l.n] = v; l.n += 1; };
/** JSON for a list of primitive strings, built by hand. */
export function jsonStrings(l) {
  let s = '[';
  for (let i = 0; i < l.n; i += 1) s = cat(cat(s, i ? ',' : ''), jsonQuote(l[i]));
  return cat(s, ']');
}
/**
 * Calls fn on each item of an array literal of this layer's own (never one the page made or can reach): its
 * length and indices are own data properties, so plain index reads consult no prototype.
 */
export function each(arr, fn) {
  for (let i = 0; i < arr.length; i += 1) fn(arr[i]);
}

const M = W.Map;
const MP = M.prototype;
const WM = W.WeakMap;
const WMP = WM.prototype;
const WS = W.WeakSet;
const WSP = WS.prototype;
const mapGetN = MP.get;
const mapSetN = MP.set;
const mapHasN = MP.has;
const mapDeleteN = MP.delete;
const mapSizeN = ownGetter(MP, 'size');
const mapForEachN = MP.forEach;
const mapEntriesN = MP.entries;
const mapKeysN = MP.keys;
const mapValuesN = MP.values;
export const newMap = () => construct(M, []);
export const mapGet = (m, k) => apply(mapGetN, m, [k]);
export const mapSet = (m, k, v) => apply(mapSetN, m, [k, v]);
export const mapHas = (m, k) => apply(mapHasN, m, [k]);
export const mapDelete = (m, k) => apply(mapDeleteN, m, [k]);
export const mapSize = (m) => apply(mapSizeN, m, []);
export const mapForEach = (m, fn) => apply(mapForEachN, m, [fn]);
export const mapEntries = (m) => apply(mapEntriesN, m, []);
export const mapKeys = (m) => apply(mapKeysN, m, []);
export const mapValues = (m) => apply(mapValuesN, m, []);
const wmGetN = WMP.get;
const wmSetN = WMP.set;
const wmHasN = WMP.has;
const wsAddN = WSP.add;
const wsHasN = WSP.has;
export const newWeakMap = () => construct(WM, []);
export const newWeakSet = () => construct(WS, []);
export const wmGet = (m, k) => apply(wmGetN, m, [k]);
export const wmSet = (m, k, v) => apply(wmSetN, m, [k, v]);
export const wmHas = (m, k) => apply(wmHasN, m, [k]);
export const wsAdd = (s, v) => apply(wsAddN, s, [v]);
export const wsHas = (s, v) => apply(wsHasN, s, [v]);

// ------------------------------------------------------------------ promises
const P = W.Promise;
const promiseThen = P.prototype.then;
const SPECIES = obj();
SPECIES[W.Symbol.species] = P;
/** A promise for the page: `executor(resolve, reject)`; resolve it only with what the page may see. */
export const newPromise = (executor) => construct(P, [executor]);
export const rejected = (err) => construct(P, [(_, reject) => reject(err)]);
/**
 * Observes a browser's promise without any lookup the page can intercept: an own `constructor` whose own
 * @@species is the intrinsic Promise, so `then` reads no page-reachable `constructor` or `Symbol.species`.
 * ok/fail must not throw (a rejected derived promise would reach the page's `unhandledrejection`).
 * Returns false when `p` is not a promise (it is then not observed: the caller fails closed).
 */
export function settle(p, ok, fail) {
  try {
    define(p, 'constructor', dataDesc(SPECIES, false, false, true));
    apply(promiseThen, p, [ok, fail]);
    return true;
  } catch {
    return false;
  }
}

// ------------------------------------------------------------------ timers and tasks
const setTimeoutN = W.setTimeout;
const clearTimeoutN = W.clearTimeout;
const queueMicrotaskN = W.queueMicrotask;
export const later = (fn, ms) => apply(setTimeoutN, W, [fn, ms]);
export const cancel = (t) => apply(clearTimeoutN, W, [t]);
export const microtask = (fn) => apply(queueMicrotaskN, W, [fn]);

// ------------------------------------------------------------------ events and DOM
const ET = W.EventTarget.prototype;
const EP = W.Event.prototype;
const addListenerN = ET.addEventListener;
const removeListenerN = ET.removeEventListener;
const dispatchN = ET.dispatchEvent;
const stopImmediateN = EP.stopImmediatePropagation;
const preventDefaultN = EP.preventDefault;
export const addListener = (t, type, fn, capture) => apply(addListenerN, t, [type, fn, capture === true]);
export const removeListener = (t, type, fn, capture) => apply(removeListenerN, t, [type, fn, capture === true]);
export const dispatch = (t, e) => apply(dispatchN, t, [e]);
export const stopImmediate = (e) => apply(stopImmediateN, e, []);
export const preventDefault = (e) => apply(preventDefaultN, e, []);
// isTrusted is an own (unforgeable) accessor of every event; its getter checks only the brand, so one
// taken from an event of ours reads any event.
// Without that getter every event counts as trusted, so it is held and judged (fail closed).
const isTrustedGet = ownGetter(construct(W.Event, ['iceveil']), 'isTrusted');
export function isTrusted(e) {
  if (!isTrustedGet) return true;
  try {
    return apply(isTrustedGet, e, []) === true;
  } catch {
    return false;
  }
}
const CustomEventN = W.CustomEvent;
const MouseEventN = W.MouseEvent;
const customDetailGet = ownGetter(CustomEventN.prototype, 'detail');
/** A CustomEvent whose init has a null prototype (the browser reads bubbles/cancelable/composed/detail from it). */
export function customEvent(type, detail) {
  const init = obj();
  if (detail !== undefined) init.detail = detail;
  return construct(CustomEventN, [type, init]);
}
export function mouseEvent(type, relatedTarget) {
  const init = obj();
  init.relatedTarget = relatedTarget;
  return construct(MouseEventN, [type, init]);
}
/** The `detail` of a channel event when it is a string, else null. */
export function customDetail(e) {
  try {
    const d = apply(customDetailGet, e, []);
    return isString(d) ? d : null;
  } catch {
    return null;
  }
}
export const doc = W.document;
const createElementN = W.Document.prototype.createElement;
export const createElement = (d, name) => apply(createElementN, d, [name]);
const windowLengthGet = ownGetter(W, 'length');
export const windowLength = (w) => apply(windowLengthGet, w, []);
const defaultViewGet = ownGetter(W.Document.prototype, 'defaultView');
export const defaultView = (d) => apply(defaultViewGet, d, []);
// A Window's `document` is an own unforgeable accessor of each Window: this realm's getter reads any same-origin Window's.
const windowDocumentGet = ownGetter(W, 'document');
export const documentOf = (w) => apply(windowDocumentGet, w, []);
const documentURLGet = ownGetter(W.Document.prototype, 'URL');
export const documentURL = (d) => apply(documentURLGet, d, []);
const domMessageGet = W.DOMException ? ownGetter(W.DOMException.prototype, 'message') : undefined;
/** A caught error as text: a DOMException's own message, else a fixed word (no page getter or toString runs). */
export function errorText(err) {
  if (domMessageGet) {
    try {
      const m = apply(domMessageGet, err, []);
      if (isString(m)) return m;
    } catch {
      // not a DOMException
    }
  }
  return 'error';
}
export const ITER = W.Symbol.iterator;
export const MO = W.MutationObserver;
