// Text helpers on the raw SDP and candidate strings the browser gave us (primitive strings only): the fail-closed emergency transform, and the fields of a rewritten candidate.
// Touches raw data: yes (pure functions over strings; they hand nothing to the page themselves).
import { cat, charCodeAt, slice, splitOn, startsWith } from './toolkit.js';

/** The emergency SDP transform: no candidate lines, no address in c= or a=rtcp. Used only while no core-filtered copy exists. */
export function sdpWithoutCandidates(sdp) {
  if (typeof sdp !== 'string') return '';
  const lines = splitOn(sdp, '\n');
  let out = '';
  for (let i = 0; i < lines.n; i += 1) {
    let line = lines[i];
    const cr = line.length && charCodeAt(line, line.length - 1) === 13 ? '\r' : '';
    if (cr) line = slice(line, 0, -1);
    if (i === lines.n - 1 && line === '') break;
    if (startsWith(line, 'a=candidate:') || startsWith(line, 'a=end-of-candidates')) continue;
    if (startsWith(line, 'c=IN IP6 ')) line = 'c=IN IP6 ::';
    else if (startsWith(line, 'c=IN ')) line = 'c=IN IP4 0.0.0.0';
    else if (startsWith(line, 'a=rtcp:')) line = 'a=rtcp:9 IN IP4 0.0.0.0';
    else if (startsWith(line, 'm=')) {
      const parts = splitOn(line, ' ');
      if (parts.n > 2) {
        line = cat(parts[0], ' 9');
        for (let j = 2; j < parts.n; j += 1) line = cat(cat(line, ' '), parts[j]);
      }
    }
    out = cat(cat(out, line), cat(cr, '\n'));
  }
  return out;
}

/** Reads fields 4, 5 and raddr/rport of a candidate string (for rewriting stats entries). */
export function candidateFields(s) {
  const t = splitOn(startsWith(s, 'a=') ? slice(s, 2) : s, ' ');
  const f = { __proto__: null, address: t.n > 4 ? t[4] : '', port: t.n > 5 ? t[5] : '', raddr: null, rport: null };
  for (let i = 6; i + 1 < t.n; i += 1) {
    if (t[i] === 'raddr') f.raddr = t[i + 1];
    if (t[i] === 'rport') f.rport = t[i + 1];
  }
  return f;
}
