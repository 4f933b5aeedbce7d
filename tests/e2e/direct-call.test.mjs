// A direct (non-relayed) call in hide-local: IceVeil's browser behind the lab NAT calls a plain Chromium on the lab's "internet", and a data-channel message arrives.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BROWSERS, selectedBrowsers, until } from '../harness/browsers.mjs';
import { exposedAddresses, localAddresses, openPopup, pickMode } from '../harness/iceveil.mjs';
import { labInfo } from '../harness/lab.mjs';
import { serve } from '../harness/server.mjs';

const lab = labInfo();
const LOCAL = localAddresses();

/** The far peer: Chromium with no extension, started inside the lab's "internet" namespace (ivl-net). */
async function launchFarPeer() {
  const dir = mkdtempSync(join(tmpdir(), 'iceveil-far-'));
  const wrapper = join(dir, 'chromium-in-ivl-net');
  writeFileSync(wrapper, '#!/bin/sh\nexec ip netns exec ivl-net /usr/bin/chromium "$@"\n');
  chmodSync(wrapper, 0o755);
  const prev = process.env.CHROMIUM;
  process.env.CHROMIUM = wrapper;
  try {
    const driver = await BROWSERS.chromium({ extensions: [], exposeLocalIps: true });
    const close = driver.close;
    driver.close = async () => {
      await close();
      rmSync(dir, { recursive: true, force: true });
    };
    return driver;
  } finally {
    if (prev === undefined) delete process.env.CHROMIUM;
    else process.env.CHROMIUM = prev;
  }
}

/** Runs in a page: creates the offerer with a data channel and returns its complete (non-trickle) offer. */
const offer = (iceServers) => new Promise((resolve, reject) => {
  const pc = new RTCPeerConnection({ iceServers });
  window.callPc = pc;
  window.callSeen = [];
  window.callMessage = new Promise((res) => {
    const dc = pc.createDataChannel('chat');
    window.callDc = dc;
    dc.onmessage = (e) => res(e.data);
  });
  pc.onicecandidate = (e) => {
    if (e.candidate && e.candidate.candidate) window.callSeen.push(e.candidate.candidate);
    else if (!e.candidate) resolve(pc.localDescription.sdp);
  };
  pc.createOffer().then((o) => pc.setLocalDescription(o)).catch(reject);
  setTimeout(() => reject(new Error('offer gathering timed out')), 15000);
});

/** Runs in the far page: answers, sends a message once the channel opens, and reports the selected pair. */
const answer = (sdp) => new Promise((resolve, reject) => {
  const pc = new RTCPeerConnection({ iceServers: [] });
  window.farPc = pc;
  pc.ondatachannel = (e) => {
    window.farDc = e.channel;
    e.channel.onopen = () => e.channel.send('hello, directly');
  };
  pc.onicecandidate = (e) => {
    if (!e.candidate) resolve(pc.localDescription.sdp);
  };
  pc.setRemoteDescription({ type: 'offer', sdp })
    .then(() => pc.createAnswer())
    .then((a) => pc.setLocalDescription(a))
    .catch(reject);
  setTimeout(() => reject(new Error('answer gathering timed out')), 15000);
});

const selectedPair = async () => {
  const stats = await window.farPc.getStats();
  let pair = null;
  stats.forEach((s) => {
    if (s.type === 'candidate-pair' && s.state === 'succeeded' && (s.nominated || s.selected)) pair = s;
  });
  if (!pair) return null;
  const local = stats.get(pair.localCandidateId);
  const remote = stats.get(pair.remoteCandidateId);
  return { local: local?.candidateType, remote: remote?.candidateType, remoteAddress: remote?.address ?? remote?.ip };
};

describe('a direct call in hide-local through the lab NAT', { skip: !lab && 'needs the NAT lab' }, () => {
  let far;
  let site;
  before(async () => {
    site = await serve();
    far = await launchFarPeer();
    await far.goto('about:blank');
  });
  after(async () => {
    await far?.close();
    await site?.close();
  });

  for (const name of selectedBrowsers()) {
    test(`${name} (IceVeil, hide-local) calls a peer on the internet directly, and leaks nothing`, async () => {
      const driver = await BROWSERS[name]();
      try {
        await openPopup(driver);
        await pickMode(driver, 'hide-local');
        await driver.goto(`${site.origin}/gather.html`);
        // STUN only, no TURN: if the call connects, it connected directly.
        const offerSdp = await driver.eval(offer, [{ urls: lab.LAB_STUN_URL }]);
        const answerSdp = await far.eval(answer, offerSdp);
        await driver.eval((sdp) => window.callPc.setRemoteDescription({ type: 'answer', sdp }), answerSdp);
        const message = await driver.eval(() => Promise.race([
          window.callMessage,
          new Promise((r) => setTimeout(() => r(null), 15000)),
        ]));
        const states = {
          near: await driver.eval(() => [window.callPc.iceConnectionState, window.callPc.connectionState, window.callDc.readyState]),
          far: await far.eval(() => [window.farPc.iceConnectionState, window.farPc.connectionState, window.farDc?.readyState]),
        };
        assert.equal(message, 'hello, directly', `the data-channel message arrived (ICE states ${JSON.stringify(states)})`);
        const pair = await until(() => far.eval(selectedPair), { what: 'the selected candidate pair' });
        assert.notEqual(pair.remote, 'relay', `not relayed: ${JSON.stringify(pair)}`);
        assert.notEqual(pair.local, 'relay', `not relayed: ${JSON.stringify(pair)}`);
        const seen = await driver.eval(() => window.callSeen);
        const exposed = exposedAddresses({ candidates: seen.map((candidate) => ({ candidate })), sdp: offerSdp });
        assert.deepEqual(exposed.filter((a) => LOCAL.includes(a)), [], `no local address in candidates or SDP: ${exposed}`);
        assert.ok(exposed.includes(lab.LAB_PUBLIC_IP), `the call used the public srflx address: ${exposed}`);
        await driver.eval(() => window.callPc.close());
        await far.eval(() => window.farPc.close());
      } finally {
        await driver.close();
      }
    });
  }
});
