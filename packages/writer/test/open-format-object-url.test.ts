/**
 * Where another engine finds a table's objects (`objectUrl`, the `url` of `liveFiles`):
 * a local table gives absolute paths (percent-decoded: DuckDB reads paths, not file URLs),
 * an S3 table `s3://bucket/prefix/key`, whatever the separators around the prefix.
 */
import { LocalStore, type Table } from '@freshtier/core';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { objectUrl } from '../src/open-format/live-files.js';

const tableAt = (uri: string) => ({ store: { uri } }) as unknown as Table;

describe('objectUrl', () => {
  it.each([
    ['s3://bucket/prefix', 'base/data/u.parquet', 's3://bucket/prefix/base/data/u.parquet'],
    ['s3://bucket/a/b/', 'shards/0/gen-1-e1-0badf00d/data.parquet', 's3://bucket/a/b/shards/0/gen-1-e1-0badf00d/data.parquet'],
    ['s3://bucket', '_table.json', 's3://bucket/_table.json'],
  ])('%s + %s', (uri, key, want) => {
    expect(objectUrl(tableAt(uri), key)).toBe(want);
  });

  it('a local table: an absolute path, decoded from its file URL', () => {
    const root = path.join(tmpdir(), "it's 100% #here");
    const store = new LocalStore(root);
    expect(store.uri).toContain('%25'); // the URL encodes what the path holds as is
    expect(objectUrl(tableAt(store.uri), 'base/data/u.parquet')).toBe(path.join(root, 'base', 'data', 'u.parquet'));
  });
});
