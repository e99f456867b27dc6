// A static file server for the built example, on localhost only (WebGPU needs a secure context,
// which http://localhost is). `node dist/examples/browser/serve.js [dir] [port]` prints the URL.
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import type { AddressInfo } from "node:net";

/** Where build.ts writes the page by default (both files run from dist/examples/browser). */
export const DEFAULT_OUT_DIR = path.resolve(__dirname, "site");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".map": "application/json",
  ".wasm": "application/wasm", ".bin": "application/octet-stream", ".json": "application/json",
};

export interface Served {
  url: string;
  close(): Promise<void>;
}

/** Serves `dir` on 127.0.0.1 (port 0: any free one); the URL names localhost. */
export function serve(dir: string, port = 0): Promise<Served> {
  const root = path.resolve(dir);
  const server = http.createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
    const file = path.join(root, pathname === "/" ? "index.html" : pathname);
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      response.writeHead(404).end("not found");
      return;
    }
    response.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
    fs.createReadStream(file).pipe(response);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const { port: bound } = server.address() as AddressInfo;
      resolve({ url: `http://localhost:${bound}/`, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

if (require.main === module) {
  const dir = process.argv[2] ? path.resolve(process.argv[2]) : DEFAULT_OUT_DIR;
  const port = Number(process.argv[3] ?? process.env.PORT ?? 8080);
  serve(dir, port).then(
    ({ url }) => console.log(`The browser example is served at ${url} (Ctrl-C stops it)`),
    (error: Error) => {
      console.error(`Cannot serve ${dir} on port ${port}: ${error.message}`);
      process.exit(1);
    },
  );
}
