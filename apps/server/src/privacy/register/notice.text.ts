import { createHash } from 'node:crypto';

// The default notice text and its hash, without the database: the benchmark generator
// (bench/src/generate.ts) writes version 1 of a generated workspace's notice from them.

export const noticeHash = (body: string) => createHash('sha256').update(body, 'utf8').digest('hex');

export const DEFAULT_NOTICE_BODY = `This workspace keeps personal data of its contacts to manage its business relationships.
The appendix below lists, for each purpose, the categories of personal data it uses, on which
occasions they are collected, the legal basis and how long they are kept. You can ask for access
to your data, its correction, its erasure or its portability, restrict or object to its
processing, object to direct marketing and profiling, and withdraw any consent at any time. You
can complain to your data protection authority.`;
