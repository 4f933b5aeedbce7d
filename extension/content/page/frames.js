// Child realms the page can reach: every same-origin frame is wrapped before a page script can touch it, through the frame getters, every DOM insertion, window.open and, while the parser runs, a MutationObserver.
// Touches raw data: no.
import { install } from './realms.js';
import { methodLike, patchGetter, patchMethod, patchSetter } from './disguise.js';
import {
  MO, W, apply, construct, dataDesc, defaultView, define, doc, documentOf, each, isFunction, isTrusted, obj, ownData,
  ownDesc, ownGetter, removeListener, addListener, windowLength, wsAdd, wsHas, newWeakSet,
} from './toolkit.js';

/** Wraps every same-origin frame under `win` (and theirs), synchronously. */
export function sweep(win, depth) {
  const level = depth === undefined ? 0 : depth;
  let n = 0;
  try {
    n = windowLength(win);
  } catch {
    return;
  }
  for (let i = 0; i < n && level < 8; i += 1) {
    let child;
    try {
      child = win[i];
      install(child);
    } catch {
      continue; // cross-origin: its own content scripts cover it
    }
    sweep(child, level + 1);
  }
}

function touch(w) {
  if (!w) return;
  try {
    install(w);
    sweep(w);
  } catch {
    // cross-origin or gone
  }
}

const viewOf = (d) => { try { return d ? defaultView(d) : null; } catch { return null; } };

export function hookFrames(win) {
  each([ownData(win, 'HTMLIFrameElement'), ownData(win, 'HTMLFrameElement'), ownData(win, 'HTMLObjectElement')], (C) => {
    if (!isFunction(C)) return;
    const proto = ownData(C, 'prototype');
    patchGetter(proto, 'contentWindow', (orig) => function () {
      const w = apply(orig, this, []);
      touch(w);
      return w;
    });
    patchGetter(proto, 'contentDocument', (orig) => function () {
      const d = apply(orig, this, []);
      touch(viewOf(d));
      return d;
    });
    if (C === ownData(win, 'HTMLObjectElement')) {
      patchMethod(proto, 'getSVGDocument', (orig) => function () {
        const d = apply(orig, this, arguments);
        touch(viewOf(d));
        return d;
      });
    }
  });
  // DOM insertion: a frame inserted (and used) in the same task is wrapped before the call returns.
  // One body per hooked method; its wrapper (disguise.js) calls it with the receiver and arguments.
  const after = (orig) => function () {
    const r = apply(orig, this, arguments);
    sweep(win);
    return r;
  };
  const methods = [
    ['Node', ['appendChild', 'insertBefore', 'replaceChild']],
    ['Element', ['append', 'prepend', 'before', 'after', 'replaceWith', 'replaceChildren', 'insertAdjacentElement', 'insertAdjacentHTML', 'setHTMLUnsafe']],
    ['Document', ['append', 'prepend', 'replaceChildren', 'write', 'writeln']],
    ['DocumentFragment', ['append', 'prepend', 'replaceChildren']],
    ['CharacterData', ['before', 'after', 'replaceWith']],
    ['DocumentType', ['before', 'after', 'replaceWith']],
    ['ShadowRoot', ['setHTMLUnsafe']],
    ['Range', ['insertNode', 'surroundContents']],
  ];
  const protoOf = (name) => { const C = ownData(win, name); return isFunction(C) ? ownData(C, 'prototype') : null; };
  each(methods, (row) => {
    const p = protoOf(ownData(row, 0));
    if (p) each(ownData(row, 1), (name) => { patchMethod(p, name, after); });
  });
  each([['Element', ['innerHTML', 'outerHTML']], ['ShadowRoot', ['innerHTML']]], (row) => {
    const p = protoOf(ownData(row, 0));
    if (p) {
      each(ownData(row, 1), (name) => {
        patchSetter(p, name, (orig) => function (v) { apply(orig, this, [v]); sweep(win); });
      });
    }
  });
  const od = ownDesc(win, 'open');
  if (od !== null && isFunction(od.value)) {
    const orig = od.value;
    const w = methodLike(orig, 'open', function () {
      const opened = apply(orig, this, arguments);
      touch(opened);
      return opened;
    });
    define(win, 'open', dataDesc(w, od.writable, od.enumerable, od.configurable));
  }
}

/**
 * Parser-inserted frames: a microtask checkpoint runs before each parser-inserted script, so the
 * observer wraps a static <iframe> before the next script can reach it. Only while parsing.
 * Incremental: each callback wraps only the frames its records added (O(1) per new frame), and
 * falls back to the full sweep whenever the frame count does not add up (removals, frames the
 * records do not show: shadow roots, <object>/<embed> that got a browsing context later, errors).
 * Every native is taken here, at document_start: a watch can start later, for the new document of a
 * child realm this instance covers (childStarted), when page code has long run in this realm.
 * Returns the start of this document's watch.
 */
export function watchParser() {
  // The native contentWindow getters (taken before hookFrames patched them: main.js calls this first).
  const frameWindow = obj();
  each([['iframe', 'HTMLIFrameElement'], ['frame', 'HTMLFrameElement'], ['object', 'HTMLObjectElement']], (row) => {
    const C = ownData(W, ownData(row, 1));
    const get = isFunction(C) ? ownGetter(ownData(C, 'prototype'), 'contentWindow') : undefined;
    if (get) frameWindow[ownData(row, 0)] = get;
  });
  let n = null;
  try {
    const recordGet = (name) => ownGetter(ownData(ownData(W, 'MutationRecord'), 'prototype'), name);
    const NL = ownData(ownData(W, 'NodeList'), 'prototype');
    const moProto = ownData(MO, 'prototype');
    n = obj();
    n.addedNodes = recordGet('addedNodes');
    n.removedNodes = recordGet('removedNodes');
    n.nodeListLength = ownGetter(NL, 'length');
    n.nodeListItem = ownData(NL, 'item');
    n.nodeType = ownGetter(ownData(ownData(W, 'Node'), 'prototype'), 'nodeType');
    n.localName = ownGetter(ownData(ownData(W, 'Element'), 'prototype'), 'localName');
    n.observe = ownData(moProto, 'observe');
    n.takeRecords = ownData(moProto, 'takeRecords');
    n.disconnect = ownData(moProto, 'disconnect');
  } catch {
    n = null; // no observer: insertion hooks and getters still apply
  }
  watchDocument = (win, d) => watch(win, d, frameWindow, n);
  return () => { watchDocument(W, doc); };
}

let watchDocument = null;
const watched = newWeakSet(); // documents of covered child realms whose parse this instance watches

/**
 * A later instance found this instance's mark on `win` (realms.js): `win` is a covered realm with a new document
 * (a reused Window), whose own instance stands down. This instance wraps that document's frames as they come.
 */
export function childStarted(win) {
  try {
    const d = documentOf(win);
    if (!d || wsHas(watched, d) || !watchDocument) return;
    wsAdd(watched, d);
    watchDocument(win, d);
  } catch {
    // gone, or cross-origin by now: nothing of it to wrap
  }
}

function watch(win, d, frameWindow, n) {
  if (n === null) { sweep(win); return; }
  try {
    const counted = newWeakSet(); // child WindowProxies already counted in `known` (a re-inserted frame gets a new one)
    let known = windowLength(win);
    if (known) sweep(win);
    const onRecords = (records) => {
      let full = false;
      let found = 0;
      try {
        const nr = ownData(records, 'length');
        for (let r = 0; r < nr; r += 1) {
          const rec = ownData(records, r);
          if (apply(n.nodeListLength, apply(n.removedNodes, rec, []), [])) full = true;
          const added = apply(n.addedNodes, rec, []);
          const k = apply(n.nodeListLength, added, []);
          for (let j = 0; j < k; j += 1) {
            const node = apply(n.nodeListItem, added, [j]);
            if (apply(n.nodeType, node, []) !== 1) continue;
            const name = apply(n.localName, node, []);
            if (name === 'embed') { full = true; continue; }
            const get = name === 'iframe' || name === 'frame' || name === 'object' ? frameWindow[name] : undefined;
            if (!get) {
              if (name === 'iframe' || name === 'frame' || name === 'object') full = true;
              continue;
            }
            let child = null;
            try { child = apply(get, node, []); } catch { full = true; continue; } // e.g. a foreign-namespace element of that name
            if (!child || wsHas(counted, child)) continue;
            wsAdd(counted, child);
            found += 1;
            touch(child);
          }
        }
      } catch {
        full = true;
      }
      const now = windowLength(win);
      if (full || now !== known + found) sweep(win);
      known = now;
    };
    const mo = construct(MO, [onRecords]);
    const opts = obj();
    opts.childList = true;
    opts.subtree = true;
    apply(n.observe, mo, [d, opts]);
    const stop = (e) => {
      if (!isTrusted(e)) return; // a page cannot end the watch early with a DOMContentLoaded of its own
      // The records not yet delivered are handled like a callback (the same count check and fallback).
      const pending = apply(n.takeRecords, mo, []);
      apply(n.disconnect, mo, []);
      onRecords(pending);
      removeListener(d, 'DOMContentLoaded', stop, true);
    };
    addListener(d, 'DOMContentLoaded', stop, true);
  } catch {
    // no observer: insertion hooks and getters still apply
    sweep(win);
  }
}
