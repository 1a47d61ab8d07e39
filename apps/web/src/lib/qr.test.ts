import { describe, expect, it } from 'vitest';
import { encodeQr, qrPath } from './qr.ts';

const OTPAUTH =
  'otpauth://totp/Tillit:owner%40example.com?secret=PJ2FKTTEHFBDMULWMFVUQ4D2OBMW45KGLIWVC2TGMJ4VAZLFGZKA&issuer=Tillit&digits=6&period=30';

function formatBits(m: boolean[][]): { first: number; second: number } {
  const size = m.length;
  const b = (x: number, y: number) => (m[y]![x] ? 1 : 0);
  let first = 0;
  let second = 0;
  const firstPositions: [number, number][] = [];
  for (let i = 0; i <= 5; i++) firstPositions.push([8, i]);
  firstPositions.push([8, 7], [8, 8], [7, 8]);
  for (let i = 9; i < 15; i++) firstPositions.push([14 - i, 8]);
  firstPositions.forEach(([x, y], i) => {
    first |= b(x, y) << i;
  });
  const secondPositions: [number, number][] = [];
  for (let i = 0; i < 8; i++) secondPositions.push([size - 1 - i, 8]);
  for (let i = 8; i < 15; i++) secondPositions.push([8, size - 15 + i]);
  secondPositions.forEach(([x, y], i) => {
    second |= b(x, y) << i;
  });
  return { first, second };
}

describe('encodeQr', () => {
  it('picks the smallest version that holds the text', () => {
    expect(encodeQr('hello').length).toBe(21);
    const big = encodeQr(OTPAUTH);
    expect((big.length - 17) % 4).toBe(0);
    expect(big.length).toBeGreaterThan(21);
    expect(encodeQr('x'.repeat(600)).length).toBeGreaterThan(big.length);
  });

  it('draws the three finder patterns and the timing patterns', () => {
    const m = encodeQr(OTPAUTH);
    const size = m.length;
    for (const [cx, cy] of [
      [3, 3],
      [size - 4, 3],
      [3, size - 4],
    ] as const) {
      for (let d = -3; d <= 3; d++) {
        const ring = Math.max(Math.abs(d), 3);
        expect(m[cy - 3]![cx + d]).toBe(ring !== 2);
        expect(m[cy]![cx]).toBe(true);
      }
    }
    for (let i = 8; i < size - 8; i++) {
      expect(m[6]![i]).toBe(i % 2 === 0);
      expect(m[i]![6]).toBe(i % 2 === 0);
    }
  });

  it('writes the same valid format information twice, at level M', () => {
    const m = encodeQr(OTPAUTH);
    const { first, second } = formatBits(m);
    expect(first).toBe(second);
    const raw = first ^ 0x5412;
    expect(raw >>> 13).toBe(0); // error correction level M
    let rem = raw;
    for (let i = 14; i >= 10; i--) if ((rem >>> i) & 1) rem ^= 0x537 << (i - 10);
    expect(rem).toBe(0);
  });

  it('turns the modules into one SVG path with a quiet zone', () => {
    const m = encodeQr('hi');
    const path = qrPath(m, 4);
    expect(path.startsWith('M4,4h1v1h-1z')).toBe(true);
    expect(path.split('z').length - 1).toBe(m.flat().filter(Boolean).length);
  });
});
