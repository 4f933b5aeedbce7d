// Makes every wrapper look like the native it replaces: same name and length, no `prototype`, and the native's source under Function.prototype.toString in every covered realm.
// Touches raw data: no.
import {
  accessorDesc, apply, cat, dataDesc, define, fnSource, isFunction, newWeakMap, ownData, ownDesc, ownGetter, wmGet, wmHas, wmSet,
} from './toolkit.js';

const spoof = newWeakMap(); // wrapper function -> the native function whose source text it shows (read on demand)

/** Gives `wrapper` the name and length of `original` by redefining both (for wrappers not made by `shim`). */
export function disguise(wrapper, original) {
  define(wrapper, 'name', dataDesc(ownData(original, 'name'), false, false, true));
  const l = ownData(original, 'length');
  define(wrapper, 'length', dataDesc(typeof l === 'number' ? l : 0, false, false, true));
  wmSet(spoof, wrapper, original);
  return wrapper;
}

// Wrappers made with their native's name and length from the start, so no property of theirs is redefined: a
// computed method name sets `name` ('get x' and 'set x' for accessors), and the formal parameters set `length`.
// Each is a method (no `prototype`, not constructible) that calls `body` with its receiver and arguments.
const METHODS = [
  (k, body) => ({ __proto__: null, [k]() { return apply(body, this, arguments); } })[k],
  (k, body) => ({ __proto__: null, [k](a) { return apply(body, this, arguments); } })[k],
  (k, body) => ({ __proto__: null, [k](a, b) { return apply(body, this, arguments); } })[k],
  (k, body) => ({ __proto__: null, [k](a, b, c) { return apply(body, this, arguments); } })[k],
];
const getterNamed = (k, body) => ownGetter({ __proto__: null, get [k]() { return apply(body, this, []); } }, k);
const setterNamed = (k, body) => ownDesc({ __proto__: null, set [k](v) { apply(body, this, [v]); } }, k).set;

/**
 * A wrapper for `original` (a native method, or a getter or setter: `kind` 'value', 'get' or 'set') of property
 * `key` that calls `body` with its receiver and arguments. It has the native's name and length without any
 * redefinition where the native's are the usual ones (else they are redefined, as `disguise` does).
 */
function shim(original, key, kind, body) {
  const name = ownData(original, 'name');
  const l = ownData(original, 'length');
  let w = null;
  if (typeof key === 'string') {
    if (kind === 'get' && l === 0 && name === cat('get ', key)) w = getterNamed(key, body);
    else if (kind === 'set' && l === 1 && name === cat('set ', key)) w = setterNamed(key, body);
    else if (kind === 'value' && name === key && typeof l === 'number' && l >= 0 && l < METHODS.length) w = METHODS[l](key, body);
  }
  if (w === null) return disguise(METHODS[0]('m', body), original);
  wmSet(spoof, w, original);
  return w;
}

/** A wrapper of the native method `original` (of property `key`) that calls `body`. */
export const methodLike = (original, key, body) => shim(original, key, 'value', body);
/** A wrapper of the native getter `original` (of property `key`) that calls `body`. */
export const getterLike = (original, key, body) => shim(original, key, 'get', body);
/** A wrapper of the native setter `original` (of property `key`) that calls `body` with the value. */
export const setterLike = (original, key, body) => shim(original, key, 'set', body);

/** Replaces proto[name] (a method) with a wrapper that calls make(original), keeping attributes. Returns the original, or null. */
export function patchMethod(proto, name, make) {
  const d = proto ? ownDesc(proto, name) : null;
  if (d === null || !isFunction(d.value)) return null;
  const w = methodLike(d.value, name, make(d.value));
  define(proto, name, dataDesc(w, d.writable, d.enumerable, d.configurable));
  return d.value;
}

/** Replaces the getter (part 'get') or the setter ('set') of proto[name] with a wrapper of make(original), keeping the other half. */
function patchAccessor(proto, name, part, make) {
  const d = proto ? ownDesc(proto, name) : null;
  if (d === null || !isFunction(d[part])) return null;
  const original = d[part];
  const w = shim(original, name, part, make(original));
  define(proto, name, part === 'get' ? accessorDesc(w, d.set, d.enumerable, d.configurable) : accessorDesc(d.get, w, d.enumerable, d.configurable));
  return original;
}
/** Replaces a getter (and keeps the setter) on proto[name]. Returns the original getter, or null. */
export const patchGetter = (proto, name, make) => patchAccessor(proto, name, 'get', make);
/** Replaces a setter (and keeps the getter) on proto[name]. Returns the original setter, or null. */
export const patchSetter = (proto, name, make) => patchAccessor(proto, name, 'set', make);

/** Function.prototype.toString of `win` shows each wrapper's native source (shared map across realms). */
export function hideToString(win) {
  const proto = win.Function.prototype;
  const d = ownDesc(proto, 'toString');
  if (d === null || !isFunction(d.value)) return;
  const original = d.value;
  const w = methodLike(original, 'toString', function () {
    if (wmHas(spoof, this)) return fnSource(wmGet(spoof, this));
    return apply(original, this, arguments);
  });
  define(proto, 'toString', dataDesc(w, true, false, true));
}
