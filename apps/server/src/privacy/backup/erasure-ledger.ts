import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../../db/client.ts';

/**
 * The erasure ledger (P-SEC-8): an append-only JSON-lines file kept OUTSIDE the database (in
 * the data directory, beside — not inside — PGlite's folder, and copied beside every backup),
 * so that restoring a backup taken before an erasure cannot bring the person back: the
 * restore replays the ledger before the server serves. It holds ids, times and tombstone
 * hashes (keyed HMACs), never a name, email or phone in clear.
 */
export const LEDGER_FILE = 'erasure-ledger.jsonl';

const ZTomb = z.object({ kind: z.enum(['email', 'phone']), hash: z.string().regex(/^[0-9a-f]{64}$/) });
export const ZLedgerEvent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('erasure'),
    workspaceId: z.uuid(),
    personId: z.uuid(),
    erasureId: z.uuid(),
    at: z.string(),
    tombstones: z.array(ZTomb),
  }),
  z.object({ type: z.literal('lift'), workspaceId: z.uuid(), hash: z.string(), at: z.string() }),
]);
export type LedgerEvent = z.infer<typeof ZLedgerEvent>;

export function ledgerPath(dataDir: string): string {
  return path.join(dataDir, LEDGER_FILE);
}

/** Appends one event and flushes it to disk before returning. */
export function appendLedger(dataDir: string, event: LedgerEvent): void {
  mkdirSync(dataDir, { recursive: true });
  const fd = openSync(ledgerPath(dataDir), 'a', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(event)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Counts one more ledger event as reflected by this database, in the transaction of the
 * erasure or lift that appends it; the start-up check compares this count with the ledger.
 */
export async function countLedgerEvent(tx: Tx): Promise<void> {
  await tx.execute(sql`insert into erasure_ledger_state (id, events) values (1, 1)
    on conflict (id) do update set events = erasure_ledger_state.events + 1`);
}

/** The events of a ledger file in order; a line cut short by a crash (the last) is skipped. */
export function readLedger(file: string): LedgerEvent[] {
  if (!existsSync(file)) return [];
  const out: LedgerEvent[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    const r = ZLedgerEvent.safeParse(parsed);
    if (r.success) out.push(r.data);
  }
  return out;
}

/** Several ledgers (the live one and those beside backups) merged: each event once, in time order. */
export function mergeLedgers(lists: LedgerEvent[][]): LedgerEvent[] {
  const seen = new Set<string>();
  const all: LedgerEvent[] = [];
  for (const list of lists) {
    for (const e of list) {
      const key = e.type === 'erasure' ? `e:${e.workspaceId}:${e.erasureId}` : `l:${e.workspaceId}:${e.hash}:${e.at}`;
      if (seen.has(key)) continue;
      seen.add(key);
      all.push(e);
    }
  }
  return all.sort((a, b) => a.at.localeCompare(b.at));
}
