import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '../../lib/errors.ts';

/**
 * What a file is, decided from its bytes alone: the Content-Type a browser declared and the
 * file name's extension are chosen by whoever uploads and are never trusted. A small sniffer
 * of our own for the common types (no dependency): anything it does not know is
 * `application/octet-stream`, and markup (HTML, SVG, XML) is never recognised as text, so
 * it can only ever be downloaded, never rendered in the app's origin.
 */

export const SAFE_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;
export type SafeImageType = (typeof SAFE_IMAGE_TYPES)[number];

export function isSafeImage(type: string): type is SafeImageType {
  return (SAFE_IMAGE_TYPES as readonly string[]).includes(type);
}

const HEAD_BYTES = 4096;

const startsWith = (head: Buffer, bytes: number[], at = 0) =>
  head.length >= at + bytes.length && bytes.every((b, i) => head[at + i] === b);
const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));

const MARKUP = /<\s*(!doctype|html|head|body|script|svg|iframe|object|embed|\?xml|meta|link|style|img|a\s|div|form)\b/i;

/** The type of content that starts with `head`; `text` says whether the whole content was
 *  valid UTF-8 without NUL or other control characters (seen while streaming). */
export function sniffType(head: Buffer, text: boolean, fileName: string): string {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, ascii('GIF87a')) || startsWith(head, ascii('GIF89a'))) return 'image/gif';
  if (startsWith(head, ascii('RIFF')) && startsWith(head, ascii('WEBP'), 8)) return 'image/webp';
  if (startsWith(head, ascii('%PDF-'))) return 'application/pdf';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) {
    // Office Open XML files are zip archives whose first entries name their parts.
    const names = head.toString('latin1');
    if (names.includes('[Content_Types].xml') || names.includes('_rels/')) {
      if (names.includes('word/')) return 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
      if (names.includes('xl/')) return 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
      if (names.includes('ppt/')) return 'application/vnd.openxmlformats-officedocument.presentationml.presentation';
    }
    return 'application/zip';
  }
  if (text && head.length > 0) {
    if (MARKUP.test(head.toString('utf8'))) return 'application/octet-stream';
    return /\.csv$/i.test(fileName) ? 'text/csv' : 'text/plain';
  }
  return 'application/octet-stream';
}

export class FileTooLarge extends AppError {
  constructor(maxBytes: number) {
    super('file_too_large', 413, `The file is larger than the limit of ${formatBytes(maxBytes)}.`, {
      file: `must be at most ${maxBytes} bytes`,
    });
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 * 1024) return `${(n / (1024 * 1024 * 1024)).toFixed(1)} GiB`;
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/**
 * A pass-through that measures what flows to the storage: size (failing past `maxBytes`, so
 * the storage's put fails and leaves no file), SHA-256, the first bytes for the sniffer, and
 * whether it is all plain UTF-8 text. Nothing is buffered beyond the head.
 */
export class ContentMeter extends Transform {
  size = 0;
  head = Buffer.alloc(0);
  text = true;
  private readonly hash = createHash('sha256');
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      done(new FileTooLarge(this.maxBytes));
      return;
    }
    if (this.head.length < HEAD_BYTES) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, HEAD_BYTES - this.head.length)]);
    }
    this.hash.update(chunk);
    if (this.text) this.checkText(chunk, true);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.text) this.checkText(Buffer.alloc(0), false);
    done();
  }

  private checkText(chunk: Buffer, more: boolean): void {
    // Control characters other than tab, newline, carriage return and form feed mark binary.
    for (const b of chunk) {
      if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) {
        this.text = false;
        return;
      }
    }
    try {
      this.decoder.decode(chunk, { stream: more });
    } catch {
      this.text = false;
    }
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}
