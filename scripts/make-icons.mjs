// Draws IceVeil's toolbar icons (on: filled shield with a tick; off: outlined shield with a slash; warn: triangle with "!") so shape, not only colour, tells the state.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const inPoly = (pts, x, y) => {
  let inside = false;
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
    const [xi, yi] = pts[i];
    const [xj, yj] = pts[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
};
const segDist = (x, y, [ax, ay], [bx, by]) => {
  const dx = bx - ax; const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - ax - t * dx, y - ay - t * dy);
};
const nearLine = (pts, w) => (x, y) => pts.slice(1).some((p, i) => segDist(x, y, pts[i], p) < w / 2);
const SHIELD = [[0.5, 0.05], [0.87, 0.19], [0.85, 0.52], [0.73, 0.75], [0.5, 0.95], [0.27, 0.75], [0.15, 0.52], [0.13, 0.19]];
const scaled = (pts, k) => pts.map(([x, y]) => [0.5 + (x - 0.5) * k, 0.5 + (y - 0.5) * k]);
const INNER = scaled(SHIELD, 0.7);
const TRIANGLE = [[0.5, 0.06], [0.97, 0.92], [0.03, 0.92]];

const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
// Each design: a list of [test(x, y), colour] layers, painted in order.
const DESIGNS = {
  on: [[(x, y) => inPoly(SHIELD, x, y), '#2a62c9'], [nearLine([[0.31, 0.5], [0.45, 0.65], [0.71, 0.35]], 0.11), '#ffffff']],
  off: [
    [(x, y) => inPoly(SHIELD, x, y) && !inPoly(INNER, x, y), '#5f6473'],
    [nearLine([[0.14, 0.9], [0.86, 0.1]], 0.1), '#5f6473'],
  ],
  warn: [
    [(x, y) => inPoly(TRIANGLE, x, y), '#d08700'],
    [nearLine([[0.5, 0.34], [0.5, 0.62]], 0.12), '#1b1d22'],
    [(x, y) => Math.hypot(x - 0.5, y - 0.77) < 0.07, '#1b1d22'],
  ],
};

function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size, layers) {
  const SS = 4;
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let py = 0; py < size; py++) {
    raw[py * (size * 4 + 1)] = 0;
    for (let px = 0; px < size; px++) {
      let r = 0; let g = 0; let b = 0; let a = 0;
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const x = (px + (sx + 0.5) / SS) / size;
          const y = (py + (sy + 0.5) / SS) / size;
          let col = null;
          for (const [test, c] of layers) if (test(x, y)) col = c;
          if (col) {
            const [cr, cg, cb] = rgb(col);
            r += cr; g += cg; b += cb; a += 1;
          }
        }
      }
      const o = py * (size * 4 + 1) + 1 + px * 4;
      raw[o] = a ? r / a : 0; raw[o + 1] = a ? g / a : 0; raw[o + 2] = a ? b / a : 0; raw[o + 3] = Math.round((255 * a) / (SS * SS));
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const out = new URL('../extension/icons/', import.meta.url);
for (const size of [16, 32, 48, 128]) writeFileSync(new URL(`icon-${size}.png`, out), png(size, DESIGNS.on));
for (const state of ['off', 'warn']) for (const size of [16, 32]) writeFileSync(new URL(`icon-${state}-${size}.png`, out), png(size, DESIGNS[state]));
