import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { ZodError, z } from "zod";
import { HistoryPage } from "../src/schemas";
import { checkedOutput, createCallerFactory, publicProcedure, router } from "../src/trpc";

const Out = z.object({ n: z.number().int(), items: z.array(z.object({ s: z.string() })) });
const answers: { value: unknown } = { value: null };
const caller = createCallerFactory(
  router({
    zod: publicProcedure.output(Out).query(() => answers.value as z.infer<typeof Out>),
    checked: publicProcedure.output(checkedOutput(Out)).query(() => answers.value as z.infer<typeof Out>),
  }),
)({ deps: {} as never, token: null, clientAddress: null });

/** What a call answers or throws, comparable between the two ways of checking. */
const outcome = (call: Promise<unknown>) =>
  call.then(
    (value) => ({ value }),
    (error: unknown) => {
      const e = error as TRPCError;
      return { code: e.code, message: e.message, issues: (e.cause as ZodError).issues };
    },
  );

describe("checkedOutput: an output schema checked by zod's synchronous parse", () => {
  it.each([
    ["a valid answer", { n: 1, items: [{ s: "a" }] }],
    ["an answer with keys the schema does not name (left out)", { n: 1, extra: true, items: [{ s: "a", t: 2 }] }],
    ["a wrong type deep inside", { n: 1, items: [{ s: "a" }, { s: 2 }] }],
    ["a missing key", { items: [] }],
    ["not an object", "nope"],
  ])("answers or fails as the schema given to tRPC does: %s", async (_label, value) => {
    answers.value = value;
    const [zod, checked] = [await outcome(caller.zod()), await outcome(caller.checked())];
    expect(checked).toEqual(zod);
  });

  it("fails an invalid answer as tRPC's output validation does: an internal error caused by the ZodError", async () => {
    answers.value = { n: 1.5, items: [] };
    const error = await caller.checked().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe("INTERNAL_SERVER_ERROR");
    expect((error as TRPCError).message).toBe("Output validation failed");
    expect((error as TRPCError).cause).toBeInstanceOf(ZodError);
  });

  it("checks a history page, in the parseAsync that tRPC calls", async () => {
    const checked = checkedOutput(HistoryPage);
    await expect(checked.parseAsync({ items: [{ id: 1 }], hasMore: false, lastSeq: 0 })).rejects.toThrow(ZodError);
    expect(await checked.parseAsync({ items: [], hasMore: true, lastSeq: 3 })).toEqual({
      items: [],
      hasMore: true,
      lastSeq: 3,
    });
  });
});
