import { registerStoreScheme } from '@freshtier/core';
import { S3Store } from './s3-store.js';

/**
 * Registers `s3://` with core's `openStore`, so one URI string opens a table on S3.
 * Importing `@freshtier/s3-store` calls it; call it again to pass client options.
 *
 * @example
 * ```ts
 * registerS3Scheme({ forcePathStyle: true, endpoint: 'http://127.0.0.1:9000' });
 * const store = await openStore('s3://bucket/tables/users');
 * ```
 */
export function registerS3Scheme(options: Parameters<typeof S3Store.fromUri>[1] = {}): void {
  registerStoreScheme('s3', (uri) => S3Store.fromUri(uri, options));
}
