// The simulation's randomness: one seeded generator (sfc32 over a keccak of the seed), so that a seed fixes every
// choice of a run. Never Math.random.
import { getAddress, getBytes, id, keccak256, toUtf8Bytes } from "ethers";

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: string) {
    const bytes = getBytes(id(`alt-simulation:${seed}`));
    const word = (i: number) => ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
    [this.a, this.b, this.c, this.d] = [word(0), word(4), word(8), word(12)];
    for (let i = 0; i < 12; i++) this.next(); // mix the state before the first draw
  }

  /** A uniform float in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t / 4294967296;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** A new array with `items` in a random order (Fisher-Yates). */
  shuffled<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  /** A whole number spread log-uniformly over [min, max]: many small values, a few large ones. */
  logUniform(min: number, max: number): bigint {
    return BigInt(Math.round(min * Math.pow(max / min, this.next())));
  }
}

/** Addresses and keys named by the seed: the same seed and label always give the same account. */
export class Names {
  constructor(private readonly seed: string) {}

  address(label: string): string {
    return getAddress("0x" + keccak256(toUtf8Bytes(`alt-simulation:${this.seed}:${label}`)).slice(26));
  }

  /** 32 bytes named by the seed and a label (state roots, batch commitments, block randomness). */
  hash(label: string): string {
    return id(`alt-simulation:${this.seed}:${label}`);
  }
}
