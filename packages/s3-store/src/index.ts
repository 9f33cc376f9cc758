/**
 * @freshtier/s3-store — the freshtier `ObjectStore` contract on Amazon S3 and
 * S3-compatible object stores, over `@aws-sdk/client-s3`.
 *
 * `S3Store` maps each contract operation to one S3 request kind (GET, ranged GET,
 * HEAD, PUT, LIST, DELETE); `putIfAbsent` is a conditional PUT (`If-None-Match: *`),
 * so S3 decides every create race. Large objects go up in parts; transient failures
 * are retried with backoff (never a 412); `stats` counts the requests, since on S3
 * requests are the cost.
 *
 * @example
 * ```ts
 * import { S3Store, parseS3Uri } from '@freshtier/s3-store';
 * const store = S3Store.fromUri('s3://analytics/tables/events', { region: 'eu-west-1' });
 * ```
 */
export { S3Store } from './s3-store.js';
export { parseS3Uri, type S3StoreOptions } from './options.js';
export type { S3RequestStats } from './requests.js';
export { registerS3Scheme } from './register.js';

import { registerS3Scheme } from './register.js';

// Importing the package makes `openStore('s3://bucket/prefix')` work (endpoint and
// credentials from the environment, see S3Store.fromUri).
registerS3Scheme();
