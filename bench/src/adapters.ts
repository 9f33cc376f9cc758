/** Every system the runner knows, freshtier first (the numerator of every ratio). */
import { duckdbAdapter } from './peers/duckdb.js';
import { freshtierAdapter, freshtierLatencyAdapter } from './peers/freshtier.js';
import { lancedbAdapter } from './peers/lancedb.js';
import { parquetWasmAdapter } from './peers/parquet-wasm.js';
import { slatedbAdapter } from './peers/slatedb.js';
import type { Adapter } from './peers/types.js';

/** Adapters by name. Peer libraries load lazily, inside a workload, so listing them costs nothing. */
export const ADAPTERS: Record<string, Adapter> = {
  freshtier: freshtierAdapter,
  'freshtier-latency': freshtierLatencyAdapter,
  'parquet-wasm': parquetWasmAdapter,
  lancedb: lancedbAdapter,
  duckdb: duckdbAdapter,
  slatedb: slatedbAdapter,
};

/** The peers a run compares against unless `--peers` says otherwise. */
export const DEFAULT_PEERS = ['parquet-wasm', 'lancedb', 'duckdb', 'slatedb'];

/**
 * freshtier's own variants: not peers (`--peers` does not take them); the runner adds
 * `freshtier-latency` when `--store-latency` is set, and its ratio is to local freshtier.
 */
export const FRESHTIER_VARIANTS = ['freshtier-latency'];
