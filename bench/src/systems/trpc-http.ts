/** One tRPC call over HTTP with fetch (setup only; the measured paths use their own clients). */
export async function trpcCall<T>(
  baseUrl: string,
  procedure: string,
  input: unknown,
  options: { token?: string; query?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const url = options.query
    ? `${baseUrl}/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`
    : `${baseUrl}/trpc/${procedure}`;
  const res = await fetch(url, {
    method: options.query ? "GET" : "POST",
    headers,
    body: options.query ? undefined : JSON.stringify(input),
  });
  const answer = (await res.json()) as { result?: { data: T }; error?: unknown };
  if (!res.ok || !answer.result) throw new Error(`${procedure} failed: ${JSON.stringify(answer.error ?? answer)}`);
  return answer.result.data;
}
