import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the endpoint serves; the kernel wires it to the metrics registry and the isolate table. */
export interface EndpointSources {
  metrics(): Promise<string>;
  readonly metricsContentType: string;
  isolates(): unknown;
  health(): { readonly ok: boolean; readonly [key: string]: unknown };
}

/**
 * The opt-in observability endpoint (node:http, loopback by default): `GET /metrics` (Prometheus text),
 * `GET /runtime/isolates` (JSON per player), `GET /healthz`. Read-only; anything else is 404/405.
 */
export class MetricsEndpoint implements AsyncDisposable {
  readonly #server: Server;
  readonly #sources: EndpointSources;

  private constructor(sources: EndpointSources) {
    this.#sources = sources;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`internal error: ${error instanceof Error ? error.message : String(error)}\n`);
      });
    });
    // A scraper must never keep the process alive on its own.
    this.#server.unref();
  }

  /** Listens on `host:port` (port 0 picks a free port, for tests) and resolves once it does. */
  static async listen(host: string, port: number, sources: EndpointSources): Promise<MetricsEndpoint> {
    const endpoint = new MetricsEndpoint(sources);
    await new Promise<void>((resolve, reject) => {
      endpoint.#server.once('error', reject);
      endpoint.#server.listen(port, host, () => {
        endpoint.#server.off('error', reject);
        resolve();
      });
    });
    return endpoint;
  }

  get address(): { host: string; port: number } {
    const a = this.#server.address() as AddressInfo;
    return { host: a.address, port: a.port };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const known = path === '/metrics' || path === '/runtime/isolates' || path === '/healthz';
    if (!known) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    switch (path) {
      case '/metrics': {
        const text = await this.#sources.metrics();
        res.writeHead(200, { 'content-type': this.#sources.metricsContentType }).end(req.method === 'HEAD' ? undefined : text);
        return;
      }
      case '/runtime/isolates':
        json(res, 200, this.#sources.isolates(), req.method === 'HEAD');
        return;
      default: {
        const health = this.#sources.health();
        json(res, health.ok ? 200 : 503, health, req.method === 'HEAD');
      }
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function json(res: ServerResponse, status: number, body: unknown, head: boolean): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(head ? undefined : `${JSON.stringify(body)}\n`);
}
