/**
 * One request of every kind of answer the API paths give (tRPC over HTTP, the seed REST endpoints,
 * the probes, the 404s, refusals by size), made over real HTTP to a running process: for checks
 * that must hold for every answer, such as `X-Content-Type-Options: nosniff`.
 */
export async function everyKindOfApiAnswer(baseUrl: string): Promise<{ request: string; response: Response }[]> {
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${baseUrl}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  const username = `n${Math.random().toString(36).slice(2, 10)}`;
  const registered = await post("/trpc/auth.register", JSON.stringify({ username, password: "pw-pw-pw" }));
  const { token } = ((await registered.json()) as { result: { data: { token: string } } }).result.data;
  const auth = { authorization: `Bearer ${token}` };
  const requests: [string, () => Promise<Response>][] = [
    ["tRPC query", () => fetch(`${baseUrl}/trpc/auth.me`, { headers: auth })],
    ["tRPC batch", () => fetch(`${baseUrl}/trpc/auth.me,auth.me?batch=1&input=%7B%7D`, { headers: auth })],
    ["tRPC mutation", () => post("/trpc/rooms.create", '{"name":"nosniff"}', auth)],
    ["tRPC 401", () => fetch(`${baseUrl}/trpc/auth.me`)],
    ["tRPC 400", () => post("/trpc/auth.register", "{not json")],
    ["tRPC 404", () => fetch(`${baseUrl}/trpc/auth.nope`)],
    ["tRPC 413", () => post("/trpc/auth.register", JSON.stringify({ username: "x".repeat(2_000_000) }))],
    ["REST", () => fetch(`${baseUrl}/profile`, { headers: auth })],
    ["REST 401", () => fetch(`${baseUrl}/users`)],
    ["REST 400", () => fetch(`${baseUrl}/room/not-an-id`, { headers: auth })],
    ["REST 413", () => post("/register", JSON.stringify({ username: "x".repeat(100_000) }))],
    ["REST OpenAPI", () => fetch(`${baseUrl}/openapi.json`)],
    ["/healthz", () => fetch(`${baseUrl}/healthz`)],
    ["/readyz", () => fetch(`${baseUrl}/readyz`)],
    ["/metrics", () => fetch(`${baseUrl}/metrics`)],
  ];
  const answers = [];
  for (const [request, send] of requests) answers.push({ request, response: await send() });
  return answers;
}
