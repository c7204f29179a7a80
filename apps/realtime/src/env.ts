import { z } from "zod";

/** The realtime server's own settings; the shared ones are parsed by `loadApiConfig`. */
export const RealtimeEnv = z.object({
  REALTIME_PORT: z.coerce.number().int().min(0).max(65_535).default(3001),
  HOST: z.string().trim().min(1).default("0.0.0.0"),
});
export type RealtimeEnv = z.infer<typeof RealtimeEnv>;
