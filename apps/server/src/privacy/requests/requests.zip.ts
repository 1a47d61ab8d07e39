import { Readable, Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';

/**
 * A store-only ZIP writer (no compression, no new dependency): the parts of an access package
 * are built and stored one by one with their size and CRC-32, so the archive can be written
 * straight through with every header known in advance (no data descriptors, no buffering).
 * Limits: 65,535 entries and 4 GiB in all (no ZIP64); `zipSizeOf` checks before a download.
 */

/** CRC-32 of `chunk` continued from `crc` (zlib's, as ZIP uses). */
export function crc32Update(crc: number, chunk: Uint8Array): number {
  return crc32(chunk, crc);
}

/** A pass-through stream that measures what flows through it. */
export class Meter extends Transform {
  crc = 0;
  size = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.crc = crc32Update(this.crc, chunk);
    this.size += chunk.length;
    cb(null, chunk);
  }
}

export type ZipEntry = { name: string; size: number; crc32: number; open(): Promise<Readable> };

const MAX = 0xffffffff;

/** DOS date and time of a JavaScript date (UTC), as ZIP headers carry them. */
function dosTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getUTCFullYear());
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

function localHeader(name: Buffer, e: ZipEntry, t: { time: number; date: number }): Buffer {
  const b = Buffer.alloc(30);
  b.writeUInt32LE(0x04034b50, 0);
  b.writeUInt16LE(20, 4); // version needed
  b.writeUInt16LE(0x0800, 6); // UTF-8 names
  b.writeUInt16LE(0, 8); // stored
  b.writeUInt16LE(t.time, 10);
  b.writeUInt16LE(t.date, 12);
  b.writeUInt32LE(e.crc32 >>> 0, 14);
  b.writeUInt32LE(e.size, 18);
  b.writeUInt32LE(e.size, 22);
  b.writeUInt16LE(name.length, 26);
  b.writeUInt16LE(0, 28);
  return Buffer.concat([b, name]);
}

function centralHeader(name: Buffer, e: ZipEntry, t: { time: number; date: number }, offset: number): Buffer {
  const b = Buffer.alloc(46);
  b.writeUInt32LE(0x02014b50, 0);
  b.writeUInt16LE(20, 4); // made by
  b.writeUInt16LE(20, 6); // needed
  b.writeUInt16LE(0x0800, 8);
  b.writeUInt16LE(0, 10);
  b.writeUInt16LE(t.time, 12);
  b.writeUInt16LE(t.date, 14);
  b.writeUInt32LE(e.crc32 >>> 0, 16);
  b.writeUInt32LE(e.size, 20);
  b.writeUInt32LE(e.size, 24);
  b.writeUInt16LE(name.length, 28);
  // extra, comment, disk, internal attributes: 0; external attributes: a plain file (0644)
  b.writeUInt32LE((0o100644 << 16) >>> 0, 38);
  b.writeUInt32LE(offset, 42);
  return Buffer.concat([b, name]);
}

/** The size of the archive of `entries`, or null when it would need ZIP64. */
export function zipSizeOf(entries: readonly { name: string; size: number }[]): number | null {
  if (entries.length > 0xffff) return null;
  let total = 22;
  for (const e of entries) {
    const n = Buffer.byteLength(e.name, 'utf8');
    total += 30 + n + e.size + 46 + n;
  }
  return total > MAX ? null : total;
}

/** Streams the archive: each entry's bytes are read from `open()` only when it is its turn. */
export function zipStream(entries: readonly ZipEntry[], modified: Date): Readable {
  const t = dosTime(modified);
  async function* generate(): AsyncGenerator<Buffer> {
    const central: Buffer[] = [];
    let offset = 0;
    for (const e of entries) {
      const name = Buffer.from(e.name, 'utf8');
      const header = localHeader(name, e, t);
      central.push(centralHeader(name, e, t, offset));
      yield header;
      let seen = 0;
      for await (const chunk of await e.open()) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
        seen += buf.length;
        yield buf;
      }
      if (seen !== e.size) throw new Error(`zip: ${e.name} has ${seen} bytes, expected ${e.size}`);
      offset += header.length + e.size;
    }
    const cd = Buffer.concat(central);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(entries.length, 8);
    end.writeUInt16LE(entries.length, 10);
    end.writeUInt32LE(cd.length, 12);
    end.writeUInt32LE(offset, 16);
    yield cd;
    yield end;
  }
  return Readable.from(generate());
}

/** Reads a stored (uncompressed) archive back: for tests and for checking a package. */
export function readStoredZip(zip: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const endAt = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endAt < 0) throw new Error('not a zip');
  const count = zip.readUInt16LE(endAt + 10);
  let p = zip.readUInt32LE(endAt + 16);
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central header');
    const crc = zip.readUInt32LE(p + 16);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    const lNameLen = zip.readUInt16LE(local + 26);
    const lExtraLen = zip.readUInt16LE(local + 28);
    const start = local + 30 + lNameLen + lExtraLen;
    const data = zip.subarray(start, start + size);
    if (crc32Update(0, data) !== crc) throw new Error(`bad CRC for ${name}`);
    out.set(name, Buffer.from(data));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}
