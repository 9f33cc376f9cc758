/**
 * A fault-injecting HTTP proxy on loopback, in front of the test S3 server. It
 * forwards requests unchanged (the Host header too, so SigV4 signatures stay
 * valid) and logs each one; rules make chosen requests fail (and `chaos` random ones):
 * - `'503'`: answer 503 SlowDown without forwarding (throttling; nothing applied).
 * - `'drop'`: destroy the connection without forwarding (nothing applied).
 * - `'lost-ack'`: forward, let the server finish, then destroy the connection
 *   instead of answering — the request took effect, the client cannot know.
 *
 * @example
 * ```ts
 * const proxy = await FaultProxy.start(server.endpoint);
 * proxy.inject({ method: 'PUT', action: 'lost-ack' });
 * await store.put('k', bytes); // through proxy.endpoint; retried, succeeds
 * expect(proxy.count('PUT')).toBe(2);
 * ```
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultAction = '503' | 'drop' | 'lost-ack';

/** A request as the proxy saw it. */
export interface ProxiedRequest {
  method: string;
  /** Path without the query, e.g. `/bucket/prefix/key`. */
  path: string;
  query: URLSearchParams;
  /** What the proxy did with it. */
  action: FaultAction | 'forward';
  /** The server's status (`undefined` when not forwarded). */
  status?: number;
}

/** Makes the next `times` matching requests fail with `action`. */
export interface FaultRule {
  action: FaultAction;
  method?: string;
  /** Matches when the path contains this string. */
  pathIncludes?: string;
  /** Matches when the query has this parameter (e.g. `uploadId`, `partNumber`). */
  queryHas?: string;
  times?: number;
}

const SLOW_DOWN = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';

/**
 * Random faults for soak-style tests: each request not caught by a rule fails with
 * probability `rate`, with an action drawn evenly from `actions`. Seeded, so a
 * failing run can be repeated with the seed its assertion messages print.
 */
export interface ChaosOptions {
  rate: number;
  actions: FaultAction[];
  seed: number;
}

/** mulberry32: a tiny seeded PRNG, good enough to pick faults. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * The proxy itself; see the module comment for the fault actions.
 *
 * @example
 * ```ts
 * const proxy = await FaultProxy.start(server.endpoint);
 * proxy.inject({ method: 'POST', queryHas: 'uploadId', action: 'lost-ack' }); // lose a CompleteMultipartUpload answer
 * ```
 */
export class FaultProxy {
  /** Every request received, in arrival order. */
  readonly log: ProxiedRequest[] = [];
  private rules: (FaultRule & { left: number })[] = [];
  private chaosPick: (() => FaultAction | 'forward') | undefined;

  private constructor(
    private readonly server: http.Server,
    private readonly upstream: URL,
    /** `http://127.0.0.1:<port>`: point the store's `endpoint` here. */
    readonly endpoint: string,
  ) {}

  /** Starts a proxy to `upstream` on a free loopback port. */
  static async start(upstream: string): Promise<FaultProxy> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new FaultProxy(server, new URL(upstream), `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req, res) => proxy.handle(req, res));
    return proxy;
  }

  inject(rule: FaultRule): void {
    this.rules.push({ ...rule, left: rule.times ?? 1 });
  }

  /** Starts random faults (see {@link ChaosOptions}); `undefined` stops them. */
  chaos(options: ChaosOptions | undefined): void {
    if (!options) {
      this.chaosPick = undefined;
      return;
    }
    const random = seeded(options.seed);
    this.chaosPick = () => (random() < options.rate ? options.actions[Math.floor(random() * options.actions.length)] : 'forward');
  }

  /** Forgets rules, random faults and the log. */
  reset(): void {
    this.rules = [];
    this.chaosPick = undefined;
    this.log.length = 0;
  }

  /** Requests logged with this method (and matching `filter`). */
  count(method: string, filter: (r: ProxiedRequest) => boolean = () => true): number {
    return this.log.filter((r) => r.method === method && filter(r)).length;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private takeRule(r: ProxiedRequest): FaultAction | 'forward' {
    const rule = this.rules.find(
      (x) => x.left > 0 && (!x.method || x.method === r.method) && (!x.pathIncludes || r.path.includes(x.pathIncludes)) && (!x.queryHas || r.query.has(x.queryHas)),
    );
    if (!rule) return this.chaosPick?.() ?? 'forward';
    rule.left--;
    return rule.action;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const entry: ProxiedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, action: 'forward' };
    entry.action = this.takeRule(entry);
    this.log.push(entry);
    if (entry.action === 'drop') {
      req.socket.destroy();
    } else if (entry.action === '503') {
      // Read the body first, as a server does, so the client sees an answer and not a reset.
      req.resume();
      req.on('end', () => res.writeHead(503, { 'content-type': 'application/xml' }).end(req.method === 'HEAD' ? undefined : SLOW_DOWN));
    } else {
      this.forward(req, res, entry);
    }
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, entry: ProxiedRequest): void {
    // The client's `Expect: 100-continue` was already answered by this proxy's server.
    const { expect: _expect, ...headers } = req.headers;
    const upstreamReq = http.request(
      { host: this.upstream.hostname, port: this.upstream.port, method: req.method, path: req.url, headers, agent: false },
      (upstreamRes) => {
        entry.status = upstreamRes.statusCode;
        if (entry.action === 'lost-ack') {
          upstreamRes.resume();
          upstreamRes.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstreamReq.on('error', () => req.socket.destroy());
    req.pipe(upstreamReq);
  }
}
