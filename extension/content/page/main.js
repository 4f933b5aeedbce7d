// Page layer, MAIN world (bundled by build.sh into content/main.js): wraps RTCPeerConnection and every surface that shows a local address in this realm and in the same-origin child realms the page reaches, so nothing reaches the page before the Rust core's verdict; fails closed. See docs/page-layer.md.
// Touches raw data: no (the entry point: the toolkit is evaluated first, then the channel, this realm and the parser watch).
import { W } from './toolkit.js';
import { handshake } from './channel.js';
import { watchParser } from './frames.js';
import { install } from './realms.js';
import { sealSelfTest } from './selftest.js';

handshake();
sealSelfTest();
const startWatch = watchParser();
install(W);
startWatch();
