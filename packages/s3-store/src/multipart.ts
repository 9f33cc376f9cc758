/**
 * Multipart upload of one large object with the low-level requests
 * (CreateMultipartUpload → UploadPart × n → CompleteMultipartUpload), so that
 * each request is retried and counted like every other, and `putIfAbsent` can put
 * its `If-None-Match: *` on the completing request — the moment the object appears.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import type { PutIfAbsentResult } from '@freshtier/core';
import { WRITE_ID_META, type Requests } from './requests.js';
import { isNoSuchUpload, isPreconditionFailed } from './retry.js';

/** Parts in flight at once: enough to fill a link, few enough to bound memory and sockets. */
const PART_CONCURRENCY = 4;
/** S3 allows at most this many parts per upload. */
const MAX_PARTS = 10_000;

/** One object to upload in parts. */
export interface MultipartWrite {
  /** Full key in the bucket (prefix included). */
  key: string;
  data: Uint8Array;
  partSizeBytes: number;
  /** Stored as object metadata so a lost response can be resolved (see `Requests.ownerOf`). */
  writeId: string;
  /** Create only if no object exists (`If-None-Match: *` on completion). */
  ifAbsent: boolean;
}

/**
 * Uploads `w.data` in parts. Returns `'created'`, or `'exists'` when `ifAbsent`
 * and an object was already there. Anything but a created object aborts the
 * upload, so no stored parts are left behind (except when the abort itself
 * fails, or a lost CreateMultipartUpload response hid an upload id — for those,
 * configure the bucket's `AbortIncompleteMultipartUpload` lifecycle rule).
 *
 * @example
 * ```ts
 * const r = await uploadMultipart(requests, { key: 't/base/data/x.parquet', data, partSizeBytes: 8 << 20, writeId: randomUUID(), ifAbsent: false });
 * ```
 */
export async function uploadMultipart(requests: Requests, w: MultipartWrite): Promise<PutIfAbsentResult> {
  const uploadId = await createUpload(requests, w);
  let outcome: PutIfAbsentResult | undefined;
  try {
    const parts = await uploadParts(requests, w, uploadId);
    outcome = await completeUpload(requests, w, uploadId, parts);
    return outcome;
  } finally {
    if (outcome !== 'created') await abortQuietly(requests, w.key, uploadId);
  }
}

async function createUpload(requests: Requests, w: MultipartWrite): Promise<string> {
  const res = await requests.run('put', (c) =>
    c.send(new CreateMultipartUploadCommand({ Bucket: requests.bucket, Key: w.key, Metadata: { [WRITE_ID_META]: w.writeId }, ChecksumAlgorithm: 'CRC32' })),
  );
  if (!res.UploadId) throw new Error('CreateMultipartUpload returned no UploadId');
  return res.UploadId;
}

/** Part size actually used: the configured one, grown if the object would need more than 10,000 parts. */
export function partSizeFor(total: number, configured: number): number {
  return Math.max(configured, Math.ceil(total / MAX_PARTS));
}

/**
 * Uploads all parts with bounded concurrency. After the first failure no new part
 * starts, and all running ones are awaited, so the abort that follows cannot race
 * a part still being written.
 */
async function uploadParts(requests: Requests, w: MultipartWrite, uploadId: string): Promise<CompletedPart[]> {
  const size = partSizeFor(w.data.byteLength, w.partSizeBytes);
  const count = Math.max(1, Math.ceil(w.data.byteLength / size));
  const parts: CompletedPart[] = new Array(count);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < count) {
      const i = next++;
      try {
        parts[i] = await uploadPart(requests, w, uploadId, i + 1, w.data.subarray(i * size, (i + 1) * size));
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(PART_CONCURRENCY, count) }, worker));
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  return parts;
}

async function uploadPart(requests: Requests, w: MultipartWrite, uploadId: string, partNumber: number, body: Uint8Array): Promise<CompletedPart> {
  // The upload was created with CRC32 checksums, so every part must carry one; naming the
  // algorithm makes the SDK compute it even on a client configured to skip checksums.
  const res = await requests.run('put', (c) =>
    c.send(new UploadPartCommand({ Bucket: requests.bucket, Key: w.key, UploadId: uploadId, PartNumber: partNumber, Body: body, ChecksumAlgorithm: 'CRC32' })),
  );
  return { PartNumber: partNumber, ETag: res.ETag, ChecksumCRC32: res.ChecksumCRC32 };
}

/**
 * Completes the upload. When an earlier attempt failed without an answer, it may
 * have completed the upload anyway: a retry then finds the upload gone
 * (`NoSuchUpload`) or, with `If-None-Match`, the object present (412). The write
 * id stored with the object tells whether it is ours.
 */
async function completeUpload(requests: Requests, w: MultipartWrite, uploadId: string, parts: CompletedPart[]): Promise<PutIfAbsentResult> {
  const state = { attempts: 0 };
  try {
    await requests.run(
      'put',
      (c) =>
        c.send(
          new CompleteMultipartUploadCommand({
            Bucket: requests.bucket,
            Key: w.key,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts },
            ...(w.ifAbsent ? { IfNoneMatch: '*' } : {}),
          }),
        ),
      state,
    );
    return 'created';
  } catch (e) {
    const mayBeOurs = state.attempts > 1 && (isNoSuchUpload(e) || isPreconditionFailed(e));
    if (mayBeOurs && (await requests.ownerOf(w.key, w.writeId)) === 'ours') return 'created';
    if (w.ifAbsent && isPreconditionFailed(e)) return 'exists';
    throw e;
  }
}

/** Best effort: a failed abort leaves parts for the bucket's lifecycle rule; the original error matters more. */
async function abortQuietly(requests: Requests, key: string, uploadId: string): Promise<void> {
  try {
    await requests.run('delete', (c) => c.send(new AbortMultipartUploadCommand({ Bucket: requests.bucket, Key: key, UploadId: uploadId })));
  } catch {
    // Deliberately ignored (see above).
  }
}
