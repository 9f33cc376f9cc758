/**
 * Regression: `freshtier inspect` listed generations a rollback excluded as
 * "uncompacted" — it compared with `compacted[shard]` alone, while compaction (and
 * every read) skips excluded generations, so they stayed "uncompacted" forever. It
 * now asks core's `baseCoverage`, like compaction, reads, replay and GC do.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { USERS_SCHEMA, run, tempDir, write } from './support.js';

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ShardJson { flushed: { generations: number[]; uncompacted: number[] } }
const shardsOf = async (uri: string): Promise<ShardJson[]> => JSON.parse((await run(['inspect', uri, '--json'])).stdout).shards;

describe('regression: inspect after a rollback', () => {
  it('does not list excluded generations as uncompacted; later ones are', async () => {
    const uri = join(dir, 't');
    expect((await run(['init', uri, '--schema', write(dir, 'users.json', USERS_SCHEMA), '--primary-key', 'id'])).code).toBe(0);
    expect((await run(['tag', uri, 'empty'])).code).toBe(0);
    const row = (id: number) => write(dir, `r${id}.jsonl`, `{"id": ${id}, "name": "n", "active": true}\n`);
    expect((await run(['append', uri, row(1), '--allow-missing-columns'])).code).toBe(0);
    const [before] = await shardsOf(uri);
    expect(before.flushed.uncompacted).toEqual(before.flushed.generations); // the check below can tell
    expect(before.flushed.generations.length).toBeGreaterThan(0);

    expect((await run(['rollback', uri, 'empty'])).code).toBe(0);
    expect((await shardsOf(uri))[0].flushed.uncompacted).toEqual([]);

    expect((await run(['append', uri, row(2), '--allow-missing-columns'])).code).toBe(0);
    const [after] = await shardsOf(uri);
    const added = after.flushed.generations.filter((g) => !before.flushed.generations.includes(g));
    expect(added.length).toBeGreaterThan(0);
    expect(after.flushed.uncompacted).toEqual(added);
  });
});
