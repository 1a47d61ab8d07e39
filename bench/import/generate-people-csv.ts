// Writes a CSV of people for the import benchmark: `npx tsx
// bench/import/generate-people-csv.ts <rows> <file> [badEvery]`. Every `badEvery`-th row
// (0 = none) has an invalid email, so the report has something to hold. Streamed: the
// generator's memory does not grow with the row count.

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

const FIRST = ['Anne', 'Bjørn', 'Cecilie', 'Dag', 'Eva', 'Finn', 'Gro', 'Hans', 'Ingrid', 'Jon'];
const LAST = ['Hansen', 'Johansen', 'Olsen', 'Larsen', 'Andersen', 'Pedersen', 'Nilsen', 'Kristiansen'];
const CITIES = ['Oslo', 'Bergen', 'Trondheim', 'Stavanger', 'Tromsø'];

export async function generatePeopleCsv(rows: number, file: string, badEvery = 0): Promise<void> {
  const out = createWriteStream(file);
  out.write('First Name,Last Name,Email,Phone,Company,City,Country\r\n');
  for (let i = 1; i <= rows; i++) {
    const first = FIRST[i % FIRST.length];
    const last = LAST[i % LAST.length];
    const email = badEvery > 0 && i % badEvery === 0 ? `broken-${i}-at-example` : `p${i}@bench.example`;
    const phone = `+47 4${String(i).padStart(7, '0')}`;
    // One company per 50 people, so companies are found as often as they are created.
    const line = `${first},"${last}, ${i}",${email},${phone},Company ${Math.floor(i / 50)},${CITIES[i % CITIES.length]},NO\r\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

if (process.argv[1]?.endsWith('generate-people-csv.ts')) {
  const [rows = '1000', file = 'people.csv', badEvery = '0'] = process.argv.slice(2);
  await generatePeopleCsv(Number(rows), file, Number(badEvery));
}
