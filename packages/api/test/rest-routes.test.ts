import { describe, expect, it } from "vitest";
import { apiDocument } from "../src/openapi";
import { REST_BASE_PATH } from "../src/rest";
import { appRouter } from "../src/root";

interface ProcedureDef {
  type: "query" | "mutation" | "subscription";
  meta?: { openapi?: { method: string; path: string } };
}
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: ProcedureDef }>).map(
  ([path, procedure]) => ({ path, ...procedure._def }),
);

describe("the REST API's routes", () => {
  it("cover every query and mutation: a new procedure cannot be left out of REST", () => {
    const missing = procedures.filter((p) => p.type !== "subscription" && !p.meta?.openapi).map((p) => p.path);
    expect(missing).toEqual([]);
  });

  it("leave subscriptions to the WebSocket", () => {
    expect(procedures.filter((p) => p.type === "subscription" && p.meta?.openapi)).toEqual([]);
  });

  it("give each procedure a route of its own, and read GET and DELETE input from the query string", () => {
    const routes = procedures.flatMap((p) =>
      p.meta?.openapi ? [`${p.meta.openapi.method} ${p.meta.openapi.path}`] : [],
    );
    expect(new Set(routes).size).toBe(routes.length);
    for (const p of procedures) {
      if (p.type === "query") expect(p.meta?.openapi?.method, p.path).toBe("GET");
      if (p.type === "mutation") expect(p.meta?.openapi?.method, p.path).not.toBe("GET");
    }
  });

  it("are all in the one document, under the REST base path, beside the seed endpoints", () => {
    const document = apiDocument();
    const documented = Object.entries(document.paths ?? {}).flatMap(([path, operations]) =>
      Object.keys(operations ?? {}).map((method) => `${method.toUpperCase()} ${path}`),
    );
    for (const p of procedures) {
      if (!p.meta?.openapi) continue;
      expect(documented, p.path).toContain(`${p.meta.openapi.method} ${REST_BASE_PATH}${p.meta.openapi.path}`);
    }
    expect(documented).toContain("POST /register");
  });
});
