// getStats on connections, senders and receivers, and RTCStatsReport's read methods: each local- or remote-candidate entry is judged as a candidate string; dropped entries vanish (those of a selected pair stay, scrubbed of every address), rewritten ones show the rewritten address.
// Touches raw data: yes (raw stats entries; only judged or scrubbed entries leave).
import { ask, knownVerdict, rewritten, verdictAction } from './channel.js';
import { candidateFields } from './sdp.js';
import { patchGetter, patchMethod } from './disguise.js';
import { reports } from './state.js';
import {
  ITER, apply, cat, construct, dataDesc, define, each, isFunction, isString, list, mapDelete,
  mapEntries, mapForEach, mapGet, mapHas, mapKeys, mapSet, mapSize, mapValues, newMap, newPromise, obj,
  ownData, ownDesc, push, rejected, settle, wmGet, wmHas, wmSet,
} from './toolkit.js';

const str = (s, k) => { const v = ownData(s, k); return isString(v) ? v : null; };
const num = (s, k) => { const v = ownData(s, k); return typeof v === 'number' ? v : null; };
const isCandidateEntry = (s) => { const t = ownData(s, 'type'); return t === 'local-candidate' || t === 'remote-candidate'; };

/** A stats entry as a candidate string (own fields only; a missing field gets a neutral value), or null without an address. */
function candidateOfStat(s) {
  const address = str(s, 'address') !== null ? str(s, 'address') : (str(s, 'ip') !== null ? str(s, 'ip') : '');
  const raddr = str(s, 'relatedAddress') !== null ? str(s, 'relatedAddress') : '';
  if (!address && !raddr) return null;
  const protocol = str(s, 'protocol');
  const port = num(s, 'port');
  const type = str(s, 'candidateType');
  let c = cat('candidate:1 1 ', protocol ? protocol : 'udp');
  c = cat(cat(cat(c, ' 1 '), address ? address : '0.0.0.0'), ' ');
  c = cat(cat(cat(c, port ? port : 9), ' typ '), type ? type : 'host');
  if (raddr) {
    const rport = num(s, 'relatedPort');
    c = cat(cat(cat(cat(c, ' raddr '), raddr), ' rport '), rport ? rport : 0);
  }
  return c;
}

const setField = (o, k, v) => define(o, k, dataDesc(v, true, true, true));

/** Applies a verdict to an entry (in place); false when the entry must go. */
function applyVerdict(value, v) {
  const action = verdictAction(v);
  if (action === 'allow') return true;
  if (action !== 'rewrite' || rewritten(v) === null) return false;
  const f = candidateFields(rewritten(v));
  if (str(value, 'address')) setField(value, 'address', f.address);
  if (str(value, 'ip')) setField(value, 'ip', f.address);
  if (ownDesc(value, 'relatedAddress') !== null) {
    if (f.raddr === null) {
      delete value.relatedAddress;
      delete value.relatedPort;
    } else {
      setField(value, 'relatedAddress', f.raddr);
      const p = +f.rport;
      setField(value, 'relatedPort', p === p ? p : 0);
    }
  }
  return true;
}

/** Hides every address of an entry in place (0.0.0.0, port 9, no related address): a selected pair's candidate the page may not see. */
function scrubEntry(value) {
  if (ownDesc(value, 'address') !== null) setField(value, 'address', '0.0.0.0');
  if (ownDesc(value, 'ip') !== null) setField(value, 'ip', '0.0.0.0');
  if (ownDesc(value, 'port') !== null) setField(value, 'port', 9);
  delete value.relatedAddress;
  delete value.relatedPort;
}

/**
 * The ids of the candidate entries that make up a selected pair (a transport's selectedCandidatePairId, or a
 * pair flagged `selected`), from a map of the report's entries read in one pass: those are scrubbed instead
 * of removed, so the pair stays whole. (Reading the report again here would re-enter another instance's
 * wrapped forEach, which calls back into this filter: in a doubly wrapped realm that recursion crashed the page.)
 */
function selectedCandidateIds(entries) {
  const pairIds = newMap();
  const ids = newMap();
  mapForEach(entries, (value) => {
    const t = ownData(value, 'type');
    const pid = ownData(value, 'selectedCandidatePairId');
    if (t === 'transport' && isString(pid)) mapSet(pairIds, pid, true);
    if (t === 'candidate-pair' && ownData(value, 'selected') === true) mapSet(pairIds, ownData(value, 'id'), true);
  });
  if (!mapSize(pairIds)) return ids;
  mapForEach(entries, (value) => {
    if (ownData(value, 'type') !== 'candidate-pair' || !mapHas(pairIds, ownData(value, 'id'))) return;
    const l = ownData(value, 'localCandidateId');
    const r = ownData(value, 'remoteCandidateId');
    if (isString(l)) mapSet(ids, l, true);
    if (isString(r)) mapSet(ids, r, true);
  });
  return ids;
}

/** The page-facing promise of a getStats call: the report, once every candidate entry is judged. */
function filterStats(p, realm) {
  return newPromise((resolve, reject) => {
    const observed = settle(p, (report) => {
      try {
        const entries = newMap();
        const judged = list();
        apply(realm.statsForEach, report, [(value, key) => {
          mapSet(entries, key, value);
          if (!isCandidateEntry(value)) return;
          const c = candidateOfStat(value);
          if (c === null) return;
          const j = obj();
          j.key = key;
          j.value = value;
          j.c = c;
          push(judged, j);
        }]);
        let left = judged.n;
        let keep = null;
        try {
          if (left) keep = selectedCandidateIds(entries);
        } catch {
          keep = null;
        }
        const finish = () => {
          wmSet(reports, report, entries);
          resolve(report);
        };
        if (!left) { finish(); return; }
        for (let i = 0; i < judged.n; i += 1) {
          const j = judged[i];
          ask('extra', j.c, (v) => {
            try {
              if (!applyVerdict(j.value, v)) {
                if (keep !== null && mapHas(keep, ownData(j.value, 'id'))) scrubEntry(j.value);
                else mapDelete(entries, j.key);
              }
            } catch {
              mapDelete(entries, j.key);
            }
            left -= 1;
            if (!left) finish();
          });
        }
      } catch (err) {
        reject(err);
      }
    }, (err) => { reject(err); });
    if (!observed) reject(construct(realm.TypeError, ['getStats: no report']));
  });
}

export function patchStats(win, proto, realm) {
  const statsWrap = (orig) => function () {
    if (isFunction(ownData(arguments, 0))) return rejected(construct(realm.TypeError, ['getStats: legacy callbacks are not supported']));
    return filterStats(apply(orig, this, arguments), realm);
  };
  patchMethod(proto, 'getStats', statsWrap);
  const sender = ownData(win, 'RTCRtpSender');
  const receiver = ownData(win, 'RTCRtpReceiver');
  if (isFunction(sender)) patchMethod(ownData(sender, 'prototype'), 'getStats', statsWrap);
  if (isFunction(receiver)) patchMethod(ownData(receiver, 'prototype'), 'getStats', statsWrap);

  // RTCStatsReport: reports that went through the wrapper show only their filtered entries.
  const Report = ownData(win, 'RTCStatsReport');
  if (!isFunction(Report)) return;
  const sp = ownData(Report, 'prototype');
  // A report this instance did not filter (another realm's content script did, or the page reads it
  // before its getStats promise settles): filtered here from the verdicts already known; unknown
  // candidate entries are dropped (fail closed) and asked about.
  const entriesOf = (r) => {
    if (wmHas(reports, r)) return wmGet(reports, r);
    const m = newMap();
    try {
      const all = newMap();
      apply(realm.statsForEach, r, [(value, key) => { mapSet(all, key, value); }]);
      const keep = selectedCandidateIds(all);
      mapForEach(all, (value, key) => {
        const c = isCandidateEntry(value) ? candidateOfStat(value) : null;
        if (c === null) { mapSet(m, key, value); return; }
        const v = knownVerdict(c);
        if (v === undefined) ask('extra', c, () => {});
        if (verdictAction(v) === 'allow') mapSet(m, key, value);
        else if (mapHas(keep, ownData(value, 'id'))) {
          scrubEntry(value);
          mapSet(m, key, value);
        }
      });
    } catch {
      return undefined;
    }
    wmSet(reports, r, m);
    return m;
  };
  patchGetter(sp, 'size', (orig) => function () {
    const m = entriesOf(this);
    return m ? mapSize(m) : apply(orig, this, []);
  });
  const iterDesc = ownDesc(sp, ITER);
  each([
    ['get', (m, a) => mapGet(m, ownData(a, 0))],
    ['has', (m, a) => mapHas(m, ownData(a, 0))],
    ['forEach', (m, a, self) => {
      const cb = ownData(a, 0);
      const thisArg = ownData(a, 1);
      if (!isFunction(cb)) return apply(realm.statsForEach, self, a);
      mapForEach(m, (v, k) => { apply(cb, thisArg, [v, k, self]); });
      return undefined;
    }],
    ['entries', (m) => mapEntries(m)],
    ['keys', (m) => mapKeys(m)],
    ['values', (m) => mapValues(m)],
  ], (pair) => {
    const name = ownData(pair, 0);
    const impl = ownData(pair, 1);
    const before = ownDesc(sp, name);
    const wasIterator = before !== null && iterDesc !== null && iterDesc.value === before.value;
    patchMethod(sp, name, (orig) => function () {
      const m = entriesOf(this);
      return m ? impl(m, arguments, this) : apply(orig, this, arguments);
    });
    if (wasIterator) define(sp, ITER, dataDesc(ownData(sp, name), iterDesc.writable, iterDesc.enumerable, iterDesc.configurable));
  });
}
