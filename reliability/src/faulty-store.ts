/**
 * A fault-injecting {@link ObjectStore} wrapper for reliability tests (shared by
 * `reliability/` and the writer tests, which re-export it from `test/support/`).
 *
 * Rules choose calls by op and key pattern, and fire on the first N matching
 * calls, every k-th one, or with probability p (seeded, so a failing run
 * repeats). A firing rule either fails the call before it reaches the store
 * (`fail`), performs it and then throws (`lost-ack`: the caller cannot tell that
 * its write landed), delays it (`delay`, by time or until a promise settles),
 * holds it back until a call that started later has finished (`reorder`), or
 * truncates (`truncate`): a write stores only a prefix of its bytes and then throws
 * (a torn write the caller was told about), a read returns a prefix without error
 * (a short read).
 * Every call is logged with its outcome, so tests can count WAL writes or check
 * what existed when a put resolved. `beforeOp` runs inside every call, after the
 * delays, e.g. to audit what a manifest names at the moment it is committed.
 *
 * @example
 * ```ts
 * const store = new FaultyStore(new MemoryStore(), { seed: 7 });
 * const rule = store.inject({ ops: 'putIfAbsent', key: /\/gen-/, mode: 'fail', first: 2 });
 * // ... the first two generation-file writes fail
 * rule.remove();
 * ```
 */
import { StoreFailureError, type ObjectMeta, type ObjectStore, type PutIfAbsentResult } from '@freshtier/core';

export type StoreOp = 'get' | 'getRange' | 'head' | 'put' | 'putIfAbsent' | 'list' | 'delete';
export type FaultMode = 'fail' | 'lost-ack' | 'delay' | 'reorder' | 'truncate';

/** Which calls a rule affects and how. Omitted selectors match everything. */
export interface FaultRule {
  ops?: StoreOp | StoreOp[];
  /** Substring, RegExp or predicate on the key (the prefix for `list`). */
  key?: string | RegExp | ((key: string) => boolean);
  /** Default `fail`. */
  mode?: FaultMode;
  /** Fire only on the first N matching calls. */
  first?: number;
  /** Fire only on every k-th matching call (k, 2k, …). */
  every?: number;
  /** Fire with this probability (seeded). */
  probability?: number;
  /** `delay`: milliseconds to wait before the call. */
  delayMs?: number;
  /** `delay`: wait until this settles before the call. */
  until?: Promise<unknown>;
  /** `reorder`: the longest a call is held back when no later call finishes (default 20 ms). */
  holdMs?: number;
  /** `truncate`: the fraction of the bytes kept (default 0.5). */
  keep?: number;
  /** The error thrown by `fail` / `lost-ack` (default: a `StoreFailureError`). */
  error?: (op: StoreOp, key: string) => Error;
}

/** A live rule: counts, and removal. */
export interface FaultHandle {
  readonly matched: number;
  readonly fired: number;
  remove(): void;
}

/** One logged call. */
export interface CallRecord {
  readonly op: StoreOp;
  readonly key: string;
  readonly startedAt: number;
  /** Logical time the call started (see `FaultyStore.tick`). */
  readonly startedTick: number;
  endedAt?: number;
  /** Logical time the call ended (see `FaultyStore.tick`): orders events exactly, unlike milliseconds. */
  endedTick?: number;
  outcome?: 'ok' | 'fault' | 'error';
  fault?: FaultMode;
  result?: unknown;
}

interface LiveRule {
  rule: FaultRule;
  matched: number;
  fired: number;
}

export class FaultyStore implements ObjectStore {
  readonly calls: CallRecord[] = [];
  /** Runs inside every call after its delays and before the inner store sees it. */
  beforeOp: ((op: StoreOp, key: string, data?: Uint8Array) => void | Promise<void>) | undefined;
  private rules: LiveRule[] = [];
  /** Calls held back by `reorder` rules: released when a call that started after them ends. */
  private held: { tick: number; release: () => void }[] = [];
  private clock = 0;
  private rng: () => number;

  constructor(readonly inner: ObjectStore, options: { seed?: number } = {}) {
    this.rng = mulberry32(options.seed ?? 1);
  }

  get uri(): string {
    return `faulty+${this.inner.uri}`;
  }

  /** Adds a rule; rules are checked in the order added, the first firing fail/lost-ack rule decides. */
  inject(rule: FaultRule): FaultHandle {
    const live: LiveRule = { rule, matched: 0, fired: 0 };
    this.rules.push(live);
    return {
      get matched() { return live.matched; },
      get fired() { return live.fired; },
      remove: () => { this.rules = this.rules.filter((r) => r !== live); },
    };
  }

  /** Advances and returns the logical clock shared with call records, e.g. to stamp when a put resolved. */
  tick(): number {
    return ++this.clock;
  }

  /** Removes every rule. */
  clear(): void {
    this.rules = [];
  }

  /** Completed (`ok`) calls of `op` whose key matches. */
  count(op: StoreOp, key?: string | RegExp): number {
    return this.calls.filter((c) => c.op === op && c.outcome === 'ok' && (key === undefined || matchKey(key, c.key))).length;
  }

  get(key: string): Promise<Uint8Array> {
    return this.run('get', key, () => this.inner.get(key));
  }

  getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    return this.run('getRange', key, () => this.inner.getRange(key, offset, length));
  }

  head(key: string): Promise<ObjectMeta | undefined> {
    return this.run('head', key, () => this.inner.head(key));
  }

  put(key: string, data: Uint8Array): Promise<void> {
    return this.run('put', key, () => this.inner.put(key, data), data);
  }

  putIfAbsent(key: string, data: Uint8Array): Promise<PutIfAbsentResult> {
    return this.run('putIfAbsent', key, () => this.inner.putIfAbsent(key, data), data);
  }

  list(prefix: string): Promise<ObjectMeta[]> {
    return this.run('list', prefix, () => this.inner.list(prefix));
  }

  delete(key: string): Promise<void> {
    return this.run('delete', key, () => this.inner.delete(key));
  }

  private async run<T>(op: StoreOp, key: string, call: () => Promise<T>, data?: Uint8Array): Promise<T> {
    const record: CallRecord = { op, key, startedAt: Date.now(), startedTick: this.tick() };
    this.calls.push(record);
    const firing = this.firing(op, key);
    for (const r of firing) if (r.mode === 'delay') await delay(r);
    for (const r of firing) if (r.mode === 'reorder') await this.holdBack(record.startedTick, r.holdMs ?? 20);
    if (this.beforeOp) await this.beforeOp(op, key, data);
    const fault = firing.find((r) => r.mode === 'fail' || r.mode === 'lost-ack' || r.mode === undefined);
    const torn = firing.find((r) => r.mode === 'truncate');
    if (torn) return this.truncated(record, op, key, torn.keep ?? 0.5, call, data);
    const error = () => fault?.error?.(op, key) ?? new StoreFailureError(op, key, new Error(`injected ${fault?.mode ?? 'fail'}`));
    record.fault = fault ? (fault.mode ?? 'fail') : undefined;
    if (fault && (fault.mode ?? 'fail') === 'fail') this.failed(record, 'fault', error());
    let result: T;
    try {
      result = await call();
    } catch (e) {
      this.failed(record, 'error', e);
    }
    if (fault) this.failed(record, 'fault', error()); // lost ack: the call was performed
    this.ended(record, 'ok');
    record.result = result;
    return result;
  }

  private ended(record: CallRecord, outcome: CallRecord['outcome']): void {
    record.endedAt = Date.now();
    record.endedTick = this.tick();
    record.outcome = outcome;
    // a call that started after a held one has finished: the held one may go now, out of order
    const go = this.held.filter((h) => h.tick < record.startedTick);
    this.held = this.held.filter((h) => h.tick >= record.startedTick);
    for (const h of go) h.release();
  }

  private holdBack(tick: number, maxMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, maxMs);
      this.held.push({ tick, release: () => { clearTimeout(timer); resolve(); } });
    });
  }

  /** `truncate`: writes store a prefix and throw (torn write, reported); reads return a prefix (short read). */
  private async truncated<T>(record: CallRecord, op: StoreOp, key: string, keep: number, call: () => Promise<T>, data?: Uint8Array): Promise<T> {
    record.fault = 'truncate';
    const cut = (b: Uint8Array) => b.subarray(0, Math.floor(b.byteLength * keep));
    if (data && (op === 'put' || op === 'putIfAbsent')) {
      await (op === 'put' ? this.inner.put(key, cut(data)) : this.inner.putIfAbsent(key, cut(data))).catch(() => undefined);
      this.failed(record, 'fault', new StoreFailureError(op, key, new Error('injected truncate: the write was torn')));
    }
    let result: T;
    try {
      result = await call();
    } catch (e) {
      this.failed(record, 'error', e);
    }
    this.ended(record, 'fault');
    return (result instanceof Uint8Array ? cut(result) : result) as T;
  }

  private failed(record: CallRecord, outcome: CallRecord['outcome'], error: unknown): never {
    this.ended(record, outcome);
    throw error;
  }

  /** The rules that fire for this call (each matching rule counts the call). */
  private firing(op: StoreOp, key: string): FaultRule[] {
    const out: FaultRule[] = [];
    for (const live of this.rules) {
      const { rule } = live;
      const ops = rule.ops === undefined ? undefined : Array.isArray(rule.ops) ? rule.ops : [rule.ops];
      if (ops && !ops.includes(op)) continue;
      if (rule.key !== undefined && !matchKey(rule.key, key)) continue;
      live.matched++;
      if (rule.first !== undefined && live.matched > rule.first) continue;
      if (rule.every !== undefined && live.matched % rule.every !== 0) continue;
      if (rule.probability !== undefined && this.rng() >= rule.probability) continue;
      live.fired++;
      out.push(rule);
    }
    return out;
  }
}

function matchKey(pattern: string | RegExp | ((key: string) => boolean), key: string): boolean {
  if (typeof pattern === 'string') return key.includes(pattern);
  if (pattern instanceof RegExp) return pattern.test(key);
  return pattern(key);
}

async function delay(rule: FaultRule): Promise<void> {
  if (rule.delayMs) await new Promise((r) => setTimeout(r, rule.delayMs));
  if (rule.until) await rule.until.catch(() => undefined);
}

/** A small seeded PRNG, so probabilistic faults repeat run to run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
