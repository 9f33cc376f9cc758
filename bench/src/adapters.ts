/** Every system the runner knows, freshtier first (the numerator of every ratio). */
import { duckdbAdapter } from './peers/duckdb.js';
import { freshtierAdapter } from './peers/freshtier.js';
import { lancedbAdapter } from './peers/lancedb.js';
import { parquetWasmAdapter } from './peers/parquet-wasm.js';
import type { Adapter } from './peers/types.js';

/** Adapters by name. Peer libraries load lazily, inside a workload, so listing them costs nothing. */
export const ADAPTERS: Record<string, Adapter> = {
  freshtier: freshtierAdapter,
  'parquet-wasm': parquetWasmAdapter,
  lancedb: lancedbAdapter,
  duckdb: duckdbAdapter,
};

/** The peers a run compares against unless `--peers` says otherwise. */
export const DEFAULT_PEERS = ['parquet-wasm', 'lancedb', 'duckdb'];
