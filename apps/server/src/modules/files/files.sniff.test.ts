import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { ContentMeter, isSafeImage, sniffType } from './files.sniff.ts';

async function sniff(bytes: Buffer, name = 'x'): Promise<string> {
  const meter = new ContentMeter(1024 * 1024);
  await pipeline(Readable.from([bytes]), meter, async function* (source) {
    for await (const _ of source) yield;
  });
  return sniffType(meter.head, meter.text, name);
}

const zipWith = (...names: string[]) =>
  Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(26), ...names.map((n) => Buffer.from(n))]);

describe('the type sniffer', () => {
  it('[P-CRM-7] knows the common types by their first bytes, whatever the name says', async () => {
    expect(await sniff(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]), 'a.pdf')).toBe('image/png');
    expect(await sniff(Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0, 0]), 'a.txt')).toBe('image/jpeg');
    expect(await sniff(Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'))).toBe('image/gif');
    expect(await sniff(Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 ')]))).toBe(
      'image/webp',
    );
    expect(await sniff(Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), 'a.png')).toBe('application/pdf');
    expect(await sniff(zipWith('[Content_Types].xml', '_rels/.rels', 'word/document.xml'))).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    expect(await sniff(zipWith('[Content_Types].xml', 'xl/workbook.xml'))).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(await sniff(zipWith('notes.txt'), 'report.docx')).toBe('application/zip');
    expect(await sniff(Buffer.from('Hei, Åse!\nTakk for sist.\n'), 'note.txt')).toBe('text/plain');
    expect(await sniff(Buffer.from('a;b\n1;2\n'), 'data.CSV')).toBe('text/csv');
  });

  it('[P-CRM-7] never calls markup or binary text: HTML, SVG and XML are octet-stream, so never rendered', async () => {
    for (const markup of [
      '<!doctype html><title>x</title>',
      '  <html><script>alert(1)</script></html>',
      '<svg xmlns="http://www.w3.org/2000/svg"/>',
      '<?xml version="1.0"?><root/>',
      'hello <script src=//evil.example/x.js></script>',
      '\ufeff<HTML>',
    ]) {
      expect(await sniff(Buffer.from(markup), 'page.txt'), markup).toBe('application/octet-stream');
    }
    expect(await sniff(Buffer.from([0x68, 0x69, 0x00, 0x68, 0x69]), 'nul.txt')).toBe('application/octet-stream');
    expect(await sniff(Buffer.from([0x68, 0xc3, 0x28]), 'bad-utf8.txt')).toBe('application/octet-stream');
    expect(await sniff(Buffer.alloc(0), 'empty.txt')).toBe('application/octet-stream');
    expect(isSafeImage('image/svg+xml')).toBe(false);
    expect(isSafeImage('image/png')).toBe(true);
  });

  it('sees invalid UTF-8 split across chunks, and refuses more than the limit', async () => {
    const meter = new ContentMeter(10);
    await expect(
      pipeline(Readable.from([Buffer.alloc(6, 0x61), Buffer.alloc(6, 0x61)]), meter, async function* (s) {
        for await (const _ of s) yield;
      }),
    ).rejects.toMatchObject({ code: 'file_too_large', status: 413 });
    const euro = Buffer.from('€'); // three bytes, split over two chunks: still text
    const m2 = new ContentMeter(100);
    await pipeline(Readable.from([euro.subarray(0, 1), euro.subarray(1)]), m2, async function* (s) {
      for await (const _ of s) yield;
    });
    expect(m2.text).toBe(true);
    expect(m2.size).toBe(3);
  });
});
