import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "./root";

export {
  ADMIN_PROCEDURE_PATHS,
  isAdminRestPath,
  namesAdminProcedure,
  routerFor,
  routerWithoutAdministration,
} from "./admin-surface";
export { CLIENT_ADDRESS_HEADER, clientAddressOf, type TrustProxy } from "./client-address";
export {
  type ConnectionSlots,
  type Context,
  createContext,
  SubscriptionSlots,
  type SubscriptionWire,
  tokenFromAuthorization,
} from "./context";
export type { Actor, Deps } from "./deps";
export { type ApiConfig, apiConfigFrom, ConfigError, loadApiConfig, parseSettings, type Settings } from "./env";
export { AppError, type AppErrorCode, httpStatusOf, MAX_REQUEST_BODY_BYTES, tooLargeWords } from "./errors";
export { type Readiness, readiness } from "./health";
export { createPace, formatWait, type Rate, RateLimited, RateSetting } from "./limits";
export { createLogger, type Logger } from "./logger";
export { createMetrics, type Metrics } from "./metrics";
export { apiDocument } from "./openapi";
export { PRESENCE_OFFLINE_GRACE_MS } from "./presence";
export { existingProcessRuntime, getProcessRuntime } from "./process-runtime";
export { REST_BASE_PATH } from "./rest";
export { type AppRouter, appRouter } from "./root";
export { createRuntime, type Runtime } from "./runtime";
export type { MessageOut } from "./schemas";
export { assertPasswordChosen, authenticate } from "./services/auth";
export {
  MAX_WEBHOOK_BODY_BYTES,
  postToIncomingWebhook,
  WEBHOOK_ANSWER_STATUS,
  WebhookRefused,
} from "./services/incoming-webhooks";
export type { PresenceStreamEvent, UserPresence } from "./services/presence";
export { createCallerFactory, pullStreamed, type StreamReader } from "./trpc";

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
