// Reads the NAT lab's ground truth (addresses, STUN/TURN, proxy) when the tests run inside it.
import { readFileSync } from 'node:fs';

/** The lab's lab.json as an object, or null when the tests run outside the lab. */
export function labInfo() {
  const path = process.env.IVL_LAB_JSON;
  if (!path) return null;
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** The STUN server a page uses in the lab (none outside it). */
export function labIceServers() {
  const lab = labInfo();
  return lab ? [{ urls: lab.LAB_STUN_URL }] : [];
}
