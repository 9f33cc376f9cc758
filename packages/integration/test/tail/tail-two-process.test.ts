/**
 * Remote readers across processes (DESIGN.md "Read path": remote readers; invariant 15),
 * on a `LocalStore` in a temporary directory:
 * - a writer child (fixtures/tail-writer.ts) acks durable puts and deletes and never
 *   flushes; this process's tailing `LsmScanner` sees every acked row, and each refresh
 *   reads exactly the WAL entries written since the last one;
 * - the two-phase story with its phases in two processes: phase 1 here (scan, cut, and
 *   its own `freshTierBlockList`, the arm), phase 2 in a reader child
 *   (fixtures/tail-reader.ts) given the cut as JSON — the same answer, also after writes
 *   past the cut, a flush and a compaction in between.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStore, Table, listWal, readWalEntry } from '@freshtier/core';
import { LsmScanner } from '@freshtier/scanner';
import { afterEach, describe, expect, it } from 'vitest';
import { idsOf, range, readRows, schema } from '../s3/e2e-support.js';
import { fixture, spawnFixture, type Child } from './child-process.js';

const dirs: string[] = [];
const children: Child[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) c.kill();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function newTable(shards: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'freshtier-tail-'));
  dirs.push(dir);
  await Table.create(new LocalStore(dir), { schema, primaryKey: ['id'], shards });
  return dir;
}

async function start(script: string, dir: string): Promise<Child> {
  const child = spawnFixture(fixture(script), [dir]);
  children.push(child);
  await child.waitFor('open', (l) => l === 'open');
  return child;
}

const tailing = async (dir: string) => new LsmScanner(await Table.open(new LocalStore(dir)), { tail: true });
const idKeys = (ids: readonly number[]) => ids.map((id) => ({ id: BigInt(id) }));

/** How many of shard 0's WAL entries are fences (the writer's open writes a few). */
async function fenceEntries(dir: string): Promise<number> {
  const store = new LocalStore(dir);
  const kinds = await Promise.all((await listWal(store, 0, -1, '.ftw')).map(async (l) => (await readWalEntry(store, 0, l.position, '.ftw')).kind));
  return kinds.filter((k) => k === 'fence').length;
}

describe('a writer process that never flushes, and a tailing reader in another process', () => {
  it('sees all N acked puts, then each refresh reads exactly the new entries and shows exactly the new rows', async () => {
    const dir = await newTable(1);
    const writer = await start('tail-writer.ts', dir);
    const N = 20;
    for (let i = 0; i < N; i++) await writer.send(`put ${i * 10} ${i * 10 + 10} 1`); // one put = one WAL entry

    const reader = await tailing(dir);
    const [first] = await reader.refresh();
    expect(first).toMatchObject({ lists: 1, entriesRead: N + (await fenceEntries(dir)), generationsDropped: 0 });
    expect(first.nextPosition).toBe(first.entriesRead); // read from position 0, up to the tip
    const rows = await readRows(reader);
    expect(idsOf(rows)).toEqual(range(0, 10 * N));
    expect(rows.every((r) => r.v === 1)).toBe(true);
    expect(await readRows(new LsmScanner(await Table.open(new LocalStore(dir))))).toEqual([]); // nothing committed
    expect((await reader.refresh())[0]).toMatchObject({ entriesRead: 0, nextPosition: first.nextPosition });

    for (let i = N; i < N + 7; i++) await writer.send(`put ${i * 10} ${i * 10 + 10} 1`);
    const [more] = await reader.refresh();
    expect(more).toMatchObject({ lists: 1, entriesRead: 7, nextPosition: first.nextPosition + 7 });
    expect(idsOf(await readRows(reader))).toEqual(range(0, 10 * (N + 7)));

    await writer.send('put 0 5 2'); // updates
    await writer.send('del 100 120'); // deletes
    const [changes] = await reader.refresh();
    expect(changes.entriesRead).toBe(2);
    const after = await readRows(reader);
    expect(idsOf(after)).toEqual(range(0, 10 * (N + 7)).filter((id) => id < 100 || id >= 120));
    expect(after.filter((r) => r.v === 2).map((r) => r.id).sort((a, b) => a - b)).toEqual(range(0, 5));
    expect(await reader.containsPks(idKeys([4, 100, 119, 120]))).toEqual([true, false, false, true]);
    expect((await reader.get(idKeys([3, 110]))).getChild('v')!.toArray()).toEqual(Int32Array.from([2]));
    // every read refreshed first, and nothing was written since: the position did not move
    expect((await reader.refresh())[0]).toMatchObject({ entriesRead: 0, nextPosition: changes.nextPosition });

    await writer.send('flush');
    const [flushed] = await reader.refresh();
    expect(flushed).toMatchObject({ entriesRead: 0, generationsDropped: 1 });
    expect(idsOf(await readRows(reader))).toEqual(idsOf(after));
    await writer.send('close');
  });
});

describe('the two-phase story, its phases in two processes', () => {
  it('phase 2 in another process, given the cut as JSON, gives the arm exactly: after later writes, a flush and a compaction', async () => {
    const dir = await newTable(2);
    const writer = await start('tail-writer.ts', dir);
    await writer.send('put 0 40 0');
    await writer.send('flush');
    await writer.send('compact'); // base: 0..39
    await writer.send('put 30 60 1'); // supersedes base rows 30..39
    await writer.send('del 5 8'); // tombstones supersede base rows 5..7

    // phase 1, in this process: a scan, its cut, and the arm
    const phase1 = await tailing(dir);
    const result = phase1.scan();
    const cutJson = JSON.stringify(await result.cuts); // as it travels between processes
    const scanned = await result.toTable();
    expect(scanned.numRows).toBe(40 + 20 - 3);
    const ids = range(0, 70);
    const arm = await phase1.freshTierBlockList(idKeys(ids), JSON.parse(cutJson));
    expect(arm).toEqual([5, 6, 7, ...range(30, 60)]);

    const phase2 = await start('tail-reader.ts', dir);
    const ask = async (p: Child) => JSON.parse(await p.send(`blocklist ${JSON.stringify({ ids, cuts: JSON.parse(cutJson) })}`));
    expect(await ask(phase2)).toEqual(arm);
    await writer.send('put 0 2 2'); // after the cut, in the cut's active generation: not in the block list
    await writer.send('put 60 66 2');
    await writer.send('del 10 12');
    expect(await ask(phase2)).toEqual(arm);
    await writer.send('flush');
    expect(await ask(phase2)).toEqual(arm);
    await writer.send('compact');
    expect(await ask(phase2)).toEqual(arm);
    await writer.send('put 20 25 3'); // a new generation after the compaction
    expect(await ask(phase2)).toEqual(arm);
    expect(await ask(await start('tail-reader.ts', dir))).toEqual(arm); // a reader that never held those memtables
    await writer.send('close');
  });

  it('a cut taken while nothing is flushed agrees across processes after the writer flushes and compacts', async () => {
    const dir = await newTable(2);
    const writer = await start('tail-writer.ts', dir);
    await writer.send('put 0 30 0');
    const phase1 = await tailing(dir);
    const result = phase1.scan();
    const cuts = JSON.parse(JSON.stringify(await result.cuts));
    await result.toTable();
    const ids = range(0, 40);
    const arm = await phase1.freshTierBlockList(idKeys(ids), cuts);
    expect(arm).toEqual(range(0, 30));
    await writer.send('put 30 40 1');
    await writer.send('flush');
    await writer.send('compact');
    const phase2 = await start('tail-reader.ts', dir);
    expect(JSON.parse(await phase2.send(`blocklist ${JSON.stringify({ ids, cuts })}`))).toEqual(arm);
    expect(JSON.parse(await phase2.send('scan'))).toEqual(ids);
    await writer.send('close');
  });
});
