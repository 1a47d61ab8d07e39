import type { Translation } from './en.ts';
import { en } from './en.ts';
export const nb: Translation = en;
