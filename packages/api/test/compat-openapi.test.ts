import { describe, expect, it } from "vitest";
import { createMemoryBus } from "../src/bus";
import { createCompatRest, isCompatPath, openApiDocument, SEED_ENDPOINTS } from "../src/compat";
import type { Deps } from "../src/deps";
import { createLogger } from "../src/logger";

describe("the seed REST layer's OpenAPI document", () => {
  // Routing only: no request reaches a service here.
  const app = createCompatRest({ bus: createMemoryBus() } as unknown as Deps, createLogger("test", "silent"));
  const routes = app.routes
    .filter((r) => r.method !== "ALL" && r.path !== "/openapi.json")
    .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
  const document = openApiDocument() as { openapi: string; paths: Record<string, Record<string, unknown>> };
  const documented = Object.entries(document.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m} ${path}`),
  );

  it("documents exactly the routes the layer serves", () => {
    expect(document.openapi).toBe("3.1.0");
    expect([...documented].sort()).toEqual([...new Set(routes)].sort());
    expect(SEED_ENDPOINTS.length).toBe(documented.length);
  });

  it("spells request fields as the seeds do, from the same zod schemas", () => {
    const join = document.paths["/join"]?.put as { requestBody: { content: Record<string, { schema: unknown }> } };
    expect(join.requestBody.content["application/json"]?.schema).toMatchObject({
      properties: { room_id: { type: "integer" } },
      required: ["room_id"],
    });
    const register = document.paths["/register"]?.post as {
      requestBody: { content: Record<string, { schema: unknown }> };
    };
    expect(register.requestBody.content["application/json"]?.schema).toMatchObject({
      properties: { username: { minLength: 2, maxLength: 32 }, password: { minLength: 4 } },
    });
  });

  it("routes every documented path to the layer, and nothing the web app needs", () => {
    for (const path of Object.keys(document.paths)) expect(isCompatPath(path.replace(/\{\w+\}/g, "1"))).toBe(true);
    for (const page of ["/", "/signin", "/signup", "/chat", "/rooms/1", "/_next/static/x.js", "/trpc/auth.me"]) {
      expect(isCompatPath(page), page).toBe(false);
    }
  });
});
