import { MemoryStore, isFreshtierError } from '@freshtier/core';
import { describe, expect, it } from 'vitest';
import { claimEpoch, commitGuarded } from '../src/shard/fencing.js';
import { FaultyStore } from './support/faulty-store.js';
import { makeTable } from './support/fixtures.js';

describe('epochs', () => {
  it('concurrent claims each win a distinct epoch', async () => {
    const table = await makeTable(new MemoryStore());
    const heads = await Promise.all(Array.from({ length: 5 }, (_, i) => claimEpoch(table, 0, `w${i}`)));
    expect(heads.map((h) => h.doc.epoch).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(heads.map((h) => h.version)).size).toBe(5);
  });

  it('recognises its own claim whose acknowledgement was lost', async () => {
    const store = new FaultyStore(new MemoryStore());
    const table = await makeTable(store);
    store.inject({ ops: 'putIfAbsent', key: '/_manifests/v', mode: 'lost-ack', first: 1 });
    const head = await claimEpoch(table, 0, 'me');
    expect(head).toMatchObject({ version: 1, doc: { epoch: 1 } });
    expect(await table.shardManifests(0).latestVersion()).toBe(1);
  });

  it('guarded commits rebase on conflicts and fail once a newer epoch exists', async () => {
    const table = await makeTable(new MemoryStore());
    const manifests = table.shardManifests(0);
    const mine = await claimEpoch(table, 0, 'a');
    const build = (note: string) => (doc: typeof mine.doc) => ({ ...doc, note });
    // someone else (same epoch, e.g. a retried commit) moved the head: the commit rebases
    await manifests.commit(2, { ...mine.doc, note: 'other' });
    const after = await commitGuarded({ manifests, shard: 0, epoch: 1, head: mine, build: build('mine'), landed: () => false });
    expect(after).toMatchObject({ version: 3, doc: { note: 'mine' } });
    await claimEpoch(table, 0, 'b');
    const err = await commitGuarded({ manifests, shard: 0, epoch: 1, head: after, build: build('late'), landed: () => false }).catch((e: unknown) => e);
    expect(isFreshtierError(err, 'SHARD_FENCED')).toBe(true);
  });

  it('a guarded commit already landed is not made twice', async () => {
    const table = await makeTable(new MemoryStore());
    const manifests = table.shardManifests(0);
    const head = await claimEpoch(table, 0, 'a');
    const same = await commitGuarded({ manifests, shard: 0, epoch: 1, head, build: (d) => d, landed: () => true });
    expect(same).toBe(head);
    expect(await manifests.latestVersion()).toBe(1);
  });
});
