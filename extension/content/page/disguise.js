// Makes every wrapper look like the native it replaces: same name and length, no `prototype`, and the native's source under Function.prototype.toString in every covered realm.
// Touches raw data: no.
import {
  accessorDesc, apply, dataDesc, define, fnSource, isFunction, method, newWeakMap, ownData, ownDesc, wmGet, wmHas, wmSet,
} from './toolkit.js';

const spoof = newWeakMap(); // wrapper function -> the native function whose source text it shows (read on demand)

export function disguise(wrapper, original, name) {
  define(wrapper, 'name', dataDesc(name === undefined ? ownData(original, 'name') : name, false, false, true));
  const l = ownData(original, 'length');
  define(wrapper, 'length', dataDesc(typeof l === 'number' ? l : 0, false, false, true));
  wmSet(spoof, wrapper, original);
  return wrapper;
}

/** Replaces proto[name] (a method) with make(original), keeping attributes. Returns the original, or null. */
export function patchMethod(proto, name, make) {
  const d = proto ? ownDesc(proto, name) : null;
  if (d === null || !isFunction(d.value)) return null;
  const w = disguise(make(d.value), d.value);
  define(proto, name, dataDesc(w, d.writable, d.enumerable, d.configurable));
  return d.value;
}

/** Replaces the getter (part 'get') or the setter ('set') of proto[name] with make(original), keeping the other half. */
function patchAccessor(proto, name, part, make) {
  const d = proto ? ownDesc(proto, name) : null;
  if (d === null || !isFunction(d[part])) return null;
  const original = d[part];
  const w = disguise(make(original), original);
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
  const w = method(function toString() {
    if (wmHas(spoof, this)) return fnSource(wmGet(spoof, this));
    return apply(original, this, arguments);
  });
  disguise(w, original);
  define(proto, 'toString', dataDesc(w, true, false, true));
}
