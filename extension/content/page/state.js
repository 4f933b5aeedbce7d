// State shared by the page layer's modules and by every realm this instance covers: which connections are tracked, which events are ours, which stats reports were filtered.
// Touches raw data: no (it holds references; the modules that read them say so).
import { newWeakMap, newWeakSet } from './toolkit.js';

export const pcs = newWeakMap(); // native RTCPeerConnection -> per-connection state (connection.js)
export const ours = newWeakSet(); // events this layer dispatched (they pass our own capture listener)
export const reports = newWeakMap(); // RTCStatsReport -> Map of the entries the page may see
export const covered = newWeakSet(); // realms (their Function constructor) this instance wrapped
