import { createReadStream } from 'node:fs';
import type { TImportEncoding } from '@tillit/contracts';

/** A piece of decoded text and how many bytes of the file have been read so far. */
export type TextChunk = { text: string; bytes: number };

/**
 * Streams a file as text in `encoding`, 64 KiB at a time, never holding the whole file.
 * A leading byte order mark is dropped (TextDecoder does that). Invalid bytes become U+FFFD:
 * the upload already checked that a file read as UTF-8 is valid UTF-8, so that happens only
 * when the member chose an encoding that does not fit, and the preview shows it.
 */
export async function* readText(file: string, encoding: TImportEncoding): AsyncGenerator<TextChunk> {
  const decoder = new TextDecoder(encoding);
  let bytes = 0;
  for await (const buf of createReadStream(file, { highWaterMark: 64 * 1024 })) {
    bytes += (buf as Buffer).length;
    const text = decoder.decode(buf as Buffer, { stream: true });
    if (text) yield { text, bytes };
  }
  const rest = decoder.decode();
  if (rest) yield { text: rest, bytes };
}

/** What the first bytes and a full pass over the bytes say about a file. */
export type Sniff = { binary: boolean; encoding: TImportEncoding };

/**
 * Incremental checks made while an upload streams to disk: a NUL byte in the first 8 KiB
 * (outside UTF-16) or a run of control characters means a binary file; the whole file is fed
 * to a fatal UTF-8 decoder to decide between UTF-8 and windows-1252.
 */
export function createSniffer() {
  const head: Buffer[] = [];
  let headLength = 0;
  let bom: TImportEncoding | null = null;
  let decided = false;
  let binary = false;
  let utf8Ok = true;
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const decideHead = () => {
    decided = true;
    const b = Buffer.concat(head).subarray(0, 8192);
    if (b[0] === 0xff && b[1] === 0xfe) bom = 'utf-16le';
    else if (b[0] === 0xfe && b[1] === 0xff) bom = 'utf-16be';
    if (bom) return;
    let controls = 0;
    for (const byte of b) {
      if (byte === 0) {
        binary = true;
        return;
      }
      if (byte < 0x09 || (byte > 0x0d && byte < 0x20)) controls += 1;
    }
    if (b.length > 0 && controls / b.length > 0.05) binary = true;
  };
  return {
    push(chunk: Buffer): void {
      if (!decided) {
        head.push(chunk);
        headLength += chunk.length;
        if (headLength >= 8192) decideHead();
      }
      if (utf8Ok && !bom) {
        try {
          utf8.decode(chunk, { stream: true });
        } catch {
          utf8Ok = false;
        }
      }
    },
    /** Whether the start of the file is already known to be binary. */
    get binarySoFar(): boolean {
      if (!decided && headLength >= 8192) decideHead();
      return binary;
    },
    finish(): Sniff {
      if (!decided) decideHead();
      if (utf8Ok && !bom) {
        try {
          utf8.decode();
        } catch {
          utf8Ok = false;
        }
      }
      return { binary, encoding: bom ?? (utf8Ok ? 'utf-8' : 'windows-1252') };
    },
  };
}
