import { test as base, type Page } from "@playwright/test";
import { type RealtimeControl, type Stack, startAllInOneStack, startScaledStack } from "./stacks";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy";

export { expect } from "@playwright/test";

interface WorkerFixtures {
  /** Which stack the worker runs; a spec file picks the all-in-one one with `test.use({ stackMode: "all-in-one" })`. */
  stackMode: Stack["mode"];
  /** Whether the browser reaches a scaled stack's realtime process through `linkProxy` (`test.use({ viaProxy: true })`). */
  viaProxy: boolean;
  /** The TCP proxy between the browser and the realtime process, with `viaProxy`; else null. */
  linkProxy: TcpProxy | null;
  /** The running stack, shared by the tests of one worker (a failed test gets a fresh worker, so a fresh stack). */
  stack: Stack;
}

interface TestFixtures {
  /** The realtime process of a scaled stack; left running after the test whatever the test did to it. */
  realtime: RealtimeControl;
  /** A page in a browser context of its own (another user: its own cookies), on the stack's web process. */
  newPage: () => Promise<Page>;
  /** Attaches what the processes printed during a test that failed. */
  serverLogs: undefined;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  stackMode: ["scaled", { scope: "worker", option: true }],
  viaProxy: [false, { scope: "worker", option: true }],
  linkProxy: [
    async ({ viaProxy }, use) => {
      if (!viaProxy) return use(null);
      const proxy = await startTcpProxy();
      try {
        await use(proxy);
      } finally {
        await proxy.close();
      }
    },
    { scope: "worker" },
  ],
  stack: [
    async ({ stackMode, linkProxy }, use) => {
      const stack =
        stackMode === "scaled"
          ? await startScaledStack({ publicRealtimePort: linkProxy?.port })
          : await startAllInOneStack();
      if (linkProxy && stack.realtime) linkProxy.target = Number(new URL(stack.realtime.url).port);
      try {
        await use(stack);
      } finally {
        await stack.stop();
      }
    },
    { scope: "worker", timeout: 180_000 },
  ],
  baseURL: async ({ stack }, use) => {
    await use(stack.webUrl);
  },
  realtime: async ({ stack }, use) => {
    const realtime = stack.realtime;
    if (!realtime) throw new Error("this stack has no separate realtime process: it runs all-in-one");
    await use(realtime);
    if (!realtime.running) await realtime.start();
  },
  newPage: async ({ browser, baseURL }, use) => {
    const contexts: Awaited<ReturnType<typeof browser.newContext>>[] = [];
    await use(async () => {
      const context = await browser.newContext({ baseURL });
      contexts.push(context);
      return context.newPage();
    });
    await Promise.all(contexts.map((context) => context.close()));
  },
  serverLogs: [
    async ({ stack }, use, testInfo) => {
      const webFrom = stack.webOutput().length;
      const realtimeFrom = stack.realtime?.output().length ?? 0;
      await use(undefined);
      if (testInfo.status === testInfo.expectedStatus) return;
      const printed = {
        web: stack.webOutput().slice(webFrom),
        realtime: stack.realtime?.output().slice(realtimeFrom) ?? "",
      };
      for (const [name, body] of Object.entries(printed)) {
        if (body) await testInfo.attach(`${name} process output`, { body, contentType: "text/plain" });
      }
    },
    { auto: true },
  ],
});
