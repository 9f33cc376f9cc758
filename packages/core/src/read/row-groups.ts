/**
 * Row-group geometry of a data file. Every data file (flushed generation or base
 * file) is written with a fixed `rowGroupSize` recorded in its manifest entry, so
 * the number of groups and the rows of each follow from the entry alone — a reader
 * checks each decoded group against them (a mismatch is corruption).
 */
import type { DataFile } from '../manifest/manifest-schemas.js';

/**
 * Number of row groups of a data file (files are written with a fixed `rowGroupSize`).
 *
 * @example
 * ```ts
 * declare const file: DataFile;
 * for (let rg = 0; rg < rowGroupCount(file); rg++) console.log(rg, rowGroupRows(file, rg));
 * ```
 */
export function rowGroupCount(file: DataFile): number {
  return Math.ceil(file.rows / file.rowGroupSize);
}

/**
 * Rows expected in row group `rg` (every group is full but the last).
 *
 * @example
 * ```ts
 * rowGroupRows({ rows: 2500, rowGroupSize: 1000 } as DataFile, 2); // 500
 * ```
 */
export function rowGroupRows(file: DataFile, rg: number): number {
  return Math.min(file.rowGroupSize, file.rows - rg * file.rowGroupSize);
}
