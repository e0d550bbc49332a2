import { randomBytes } from 'node:crypto';

/** Sortable, unguessable ids: `<prefix>_<time base36><random base36>`, lower-case. */
export const newId = (prefix: string, now = new Date()): string =>
  `${prefix}_${now.getTime().toString(36).padStart(9, '0')}${BigInt(`0x${randomBytes(10).toString('hex')}`)
    .toString(36)
    .padStart(16, '0')}`;
