import type { TImportEncoding } from '@tillit/contracts';
import { readText } from './import.text.ts';

/** A record of a CSV file: its row number as a spreadsheet shows it (the header is row 1),
 *  its values, and the bytes of the file read when it ended. */
export type CsvRecord = { row: number; values: string[]; bytes: number };

/** A record longer than this is refused: it is nearly always an unclosed quote swallowing
 *  the rest of the file, and it would otherwise grow without bound in memory. */
export const MAX_RECORD_CHARS = 4 * 1024 * 1024;
export const MAX_COLUMNS = 10_000;

export class CsvStructureError extends Error {
  constructor(
    readonly row: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An RFC 4180 reader that takes text in pieces and hands out whole records: quoted fields
 * with the delimiter, doubled quotes and line breaks inside; CRLF, LF or CR line ends; a
 * quote inside an unquoted field is kept as a character. Blank lines are skipped. Memory is
 * one record at a time.
 */
export class CsvParser {
  private field = '';
  private values: string[] = [];
  private inQuotes = false;
  private afterQuote = false;
  private pendingCr = false;
  private recordChars = 0;
  private fieldStarted = false;
  /** Rows started so far (the row number of the record being read). */
  private row = 0;
  private out: CsvRecord[] = [];

  constructor(private readonly delimiter: string) {}

  private endField() {
    this.values.push(this.field);
    this.field = '';
    this.fieldStarted = false;
    this.afterQuote = false;
    if (this.values.length > MAX_COLUMNS) {
      throw new CsvStructureError(this.row + 1, `row ${this.row + 1} has more than ${MAX_COLUMNS} columns`);
    }
  }

  private endRecord(bytes: number) {
    this.endField();
    this.row += 1;
    const blank = this.values.length === 1 && this.values[0] === '';
    if (!blank) this.out.push({ row: this.row, values: this.values, bytes });
    this.values = [];
    this.recordChars = 0;
  }

  /** Feeds text; returns the records it completed. */
  push(text: string, bytes: number): CsvRecord[] {
    this.out = [];
    const d = this.delimiter;
    let i = 0;
    const n = text.length;
    while (i < n) {
      const c = text[i] as string;
      if (this.pendingCr) {
        this.pendingCr = false;
        if (c === '\n') {
          i += 1;
          continue;
        }
      }
      if (this.inQuotes) {
        // Copy the run up to the next quote at once.
        const q = text.indexOf('"', i);
        if (q === -1) {
          this.field += text.slice(i);
          this.recordChars += n - i;
          i = n;
        } else {
          this.field += text.slice(i, q);
          this.recordChars += q - i;
          if (q + 1 < n) {
            if (text[q + 1] === '"') {
              this.field += '"';
              i = q + 2;
            } else {
              this.inQuotes = false;
              this.afterQuote = true;
              i = q + 1;
            }
          } else {
            // The quote is the last character of this piece: decide with the next one.
            this.inQuotes = false;
            this.afterQuote = true;
            this.pendingQuote = true;
            i = q + 1;
          }
        }
      } else if (this.pendingQuote) {
        this.pendingQuote = false;
        if (c === '"') {
          // It was a doubled quote split across two pieces.
          this.field += '"';
          this.inQuotes = true;
          this.afterQuote = false;
          i += 1;
        }
        continue;
      } else if (c === d) {
        this.endField();
        i += 1;
      } else if (c === '\n') {
        this.endRecord(bytes);
        i += 1;
      } else if (c === '\r') {
        this.endRecord(bytes);
        this.pendingCr = true;
        i += 1;
      } else if (c === '"' && !this.fieldStarted && !this.afterQuote) {
        this.inQuotes = true;
        this.fieldStarted = true;
        i += 1;
      } else {
        // An unquoted run up to the next delimiter or line end.
        let j = i;
        while (j < n) {
          const cj = text[j];
          if (cj === d || cj === '\n' || cj === '\r') break;
          j += 1;
        }
        this.field += text.slice(i, j);
        this.fieldStarted = true;
        this.recordChars += j - i;
        i = j;
      }
      if (this.recordChars > MAX_RECORD_CHARS) {
        throw new CsvStructureError(
          this.row + 1,
          `row ${this.row + 1} is longer than ${MAX_RECORD_CHARS / 1024 / 1024} MiB (is a quote left open?)`,
        );
      }
    }
    return this.out;
  }

  private pendingQuote = false;

  /** Ends the input; returns the last record if the file does not end with a line break. */
  end(bytes: number): CsvRecord[] {
    this.out = [];
    this.pendingQuote = false;
    if (this.inQuotes) {
      throw new CsvStructureError(this.row + 1, `row ${this.row + 1} opens a quote that is never closed`);
    }
    if (this.field !== '' || this.values.length > 0 || this.fieldStarted) this.endRecord(bytes);
    return this.out;
  }
}

/** The delimiter of a header line: the most frequent of , ; tab outside quotes (comma on a tie). */
export function detectDelimiter(headerLine: string): string {
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ]);
  let inQuotes = false;
  for (const c of headerLine) {
    if (c === '"') inQuotes = !inQuotes;
    else if (!inQuotes && counts.has(c)) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let best = ',';
  let most = 0;
  for (const [c, k] of counts) {
    if (k > most) {
      best = c;
      most = k;
    }
  }
  return best;
}

/** The text up to the end of the first line (outside quotes), read from the start of a file. */
export async function readFirstLine(file: string, encoding: TImportEncoding, maxChars = 1024 * 1024): Promise<string> {
  let acc = '';
  for await (const { text } of readText(file, encoding)) {
    acc += text;
    const nl = acc.search(/[\r\n]/);
    if (nl >= 0) return acc.slice(0, nl);
    if (acc.length > maxChars) return acc.slice(0, maxChars);
  }
  return acc;
}

/** Every record of a CSV file, streamed. */
export async function* readCsv(file: string, encoding: TImportEncoding, delimiter: string): AsyncGenerator<CsvRecord> {
  const parser = new CsvParser(delimiter);
  let bytes = 0;
  for await (const chunk of readText(file, encoding)) {
    bytes = chunk.bytes;
    for (const r of parser.push(chunk.text, bytes)) yield r;
  }
  for (const r of parser.end(bytes)) yield r;
}
