/**
 * Regression (found by the corruption campaign, reliability/test/corruption.test.ts): a
 * bit flip that turns a sealed document's `"formatVersion": 1` into `5` was reported as
 * `UnsupportedFormatError` telling the user to upgrade freshtier, and nothing else. A
 * newer format may seal documents differently, so the error stays UNSUPPORTED_FORMAT, but
 * its message now also says the document may be damaged and how to find out.
 */
import { describe, expect, it } from 'vitest';
import { FORMAT_VERSION, openStoredJson, sealedJsonBytes } from '../src/index.js';

describe('a sealed document whose format version no longer matches its checksum', () => {
  it('is UNSUPPORTED_FORMAT and says it may be damaged, pointing at freshtier verify', () => {
    const bytes = sealedJsonBytes({ formatVersion: FORMAT_VERSION, note: 'x' });
    const text = new TextDecoder().decode(bytes);
    const at = text.indexOf('"formatVersion": 1') + '"formatVersion": '.length;
    const flipped = bytes.slice();
    flipped[at] ^= 0x04; // '1' (0x31) -> '5' (0x35)
    expect(() => openStoredJson(flipped, 'base/_manifests/v1.json', true, FORMAT_VERSION)).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_FORMAT', message: expect.stringMatching(/version 5.*or the document is damaged.*freshtier verify/) }),
    );
  });
});
