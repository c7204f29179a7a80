import { Agent, request } from "node:http";

/** A keep-alive HTTP client for the measured requests: node:http, one socket per concurrent request. */
export function httpClient(baseUrl: string, sockets: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  const { hostname, port } = new URL(baseUrl);
  /** The answer's body; rejects on a status outside 2xx (its first 300 characters in the message). */
  const fetchText = (method: "GET" | "POST", path: string, body: string | null, token?: string) =>
    new Promise<string>((resolve, reject) => {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (token) headers.authorization = `Bearer ${token}`;
      const req = request({ agent, hostname, port, method, path, headers }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.once("end", () =>
          (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300
            ? resolve(text)
            : reject(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`)),
        );
      });
      req.once("error", (error) => reject(new Error(`${method} ${path.split("?")[0]}: ${error.message}`)));
      req.end(body ?? undefined);
    });
  return {
    call(method: "GET" | "POST", path: string, body: string | null, token?: string): Promise<void> {
      return new Promise((resolve, reject) => {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (token) headers.authorization = `Bearer ${token}`;
        const req = request({ agent, hostname, port, method, path, headers }, (res) => {
          res.resume();
          res.once("end", () =>
            (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300
              ? resolve()
              : reject(new Error(`${method} ${path}: ${res.statusCode}`)),
          );
        });
        req.once("error", reject);
        req.end(body ?? undefined);
      });
    },
    fetchText,
    close: () => agent.destroy(),
  };
}
