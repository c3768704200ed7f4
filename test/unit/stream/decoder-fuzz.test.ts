import { describe, it, expect } from 'vitest';
import { StreamError } from '../../../src/stream/errors.js';
import {
  decodeInChunks, encodeStream, epochsEqual, makeEpochs, randInt, randomSplits, recordsOf, seededRng, type Rng,
} from './fixtures.js';

const CASES = 1200;
const epochs = makeEpochs({ guestPages: 40, vcpus: 2, epochs: 4, seed: 21, idleEpochs: [2], dirtyPerEpoch: 6 });
const stream = encodeStream(epochs);
// Bytes where a flip changes structure rather than page contents: record headers,
// the first bytes of every body (counts, pfn lists) and whole HVM_CONTEXT bodies.
const structural: number[] = [];
for (const r of recordsOf(stream)) {
  const span = r.type === 0x09 ? 8 + r.length : Math.min(8 + r.length, 8 + 8 + 8 * 64);
  for (let i = 0; i < span; i++) structural.push(r.offset + i);
}
for (let i = 0; i < 40; i++) structural.push(i);

type Mutation = (b: Uint8Array, rng: Rng) => Uint8Array;
const mutations: Record<string, Mutation> = {
  flipAnywhere: (b, rng) => { b[randInt(rng, b.length)]! ^= 1 << randInt(rng, 8); return b; },
  flipStructure: (b, rng) => { b[structural[randInt(rng, structural.length)]!]! ^= 1 << randInt(rng, 8); return b; },
  truncate: (b, rng) => b.subarray(0, randInt(rng, b.length)),
  lengthField: (b, rng) => {
    const recs = recordsOf(b);
    const r = recs[randInt(rng, recs.length)];
    if (!r) return b;
    const delta = rng() < 0.2 ? randInt(rng, 2 ** 32) - r.length : randInt(rng, 33) - 16;
    new DataView(b.buffer, b.byteOffset).setUint32(r.offset + 4, (r.length + delta) >>> 0, true);
    return b;
  },
  randomRun: (b, rng) => {
    const at = rng() < 0.5 ? structural[randInt(rng, structural.length)]! : randInt(rng, b.length);
    for (let i = at; i < Math.min(b.length, at + 1 + randInt(rng, 16)); i++) b[i] = randInt(rng, 256);
    return b;
  },
  randomStream: (b, rng) => b.map(() => randInt(rng, 256)),
};
const names = Object.keys(mutations);

describe('stream fuzz', () => {
  it(`never applies a corrupt epoch and always reports a coded error (${CASES} mutated streams)`, () => {
    const rng = seededRng(0xfade);
    const codes = new Map<string, number>();
    let clean = 0;
    for (let n = 0; n < CASES; n++) {
      let bytes: Uint8Array = stream.slice();
      const steps = 1 + randInt(rng, 3);
      const applied: string[] = [];
      for (let s = 0; s < steps; s++) {
        const name = n % 100 === 0 && s === 0 ? 'randomStream' : names[randInt(rng, names.length - 1)]!;
        applied.push(name);
        bytes = mutations[name]!(bytes, rng);
      }
      const { epochs: out, error } = decodeInChunks(bytes, randomSplits(rng, 16, 1 + randInt(rng, 5000)));
      const label = `case ${n}: ${applied.join('+')}`;
      if (error !== null && !(error instanceof StreamError)) throw new Error(`${label}: untyped ${String(error)}`);
      out.forEach((e, i) => expect(epochsEqual(e, epochs[i]!), `${label}: epoch ${i} differs`).toBe(true));
      if (error === null) {
        // Only a harmless change (e.g. the nominal Xen version) decodes cleanly, and then fully.
        expect(out, label).toHaveLength(epochs.length);
        clean++;
      } else {
        codes.set(error.code, (codes.get(error.code) ?? 0) + 1);
      }
    }
    console.info(`fuzz: ${clean} clean, errors ${JSON.stringify(Object.fromEntries(codes))}`);
    expect(clean).toBeLessThan(CASES / 10);
    expect(codes.size).toBeGreaterThanOrEqual(6);
  });
});
