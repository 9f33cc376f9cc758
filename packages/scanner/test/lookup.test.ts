/**
 * Key lookups that need no data: refused on an append-only table. (Lookups over written
 * data run against the real writer in packages/integration/test/scanner/lookup.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { LsmScanner } from '../src/index.js';
import { usersTable } from './support/data.js';

describe('bad keys', () => {
  it('refuses key lookups on an append-only table', async () => {
    const table = await usersTable({ appendOnly: true });
    await expect(new LsmScanner(table).containsPks([{ id: 1 }])).rejects.toThrow(/append-only/);
  });
});
