/**
 * Engine limits the CLI guards against, probed at run time so each guard
 * disappears by itself once the engine is fixed.
 */
import { writeParquetFile } from '@freshtier/core';
import { Bool, Table as ArrowTable, vectorFromArray } from 'apache-arrow';

let allNullBoolOk: boolean | undefined;

/**
 * Can this build flush a Bool column that is null in every row? apache-arrow's IPC
 * writer gives such a column an empty data buffer, which parquet-wasm (arrow-rs)
 * rejects, so the flush of that generation fails again on every retry and replay.
 * Probed once (a one-row Parquet write).
 */
export function canFlushAllNullBool(): boolean {
  if (allNullBoolOk === undefined) {
    try {
      writeParquetFile(new ArrowTable({ b: vectorFromArray([null], new Bool()) }));
      allNullBoolOk = true;
    } catch {
      allNullBoolOk = false;
    }
  }
  return allNullBoolOk;
}
