import { type Logger, pino } from "pino";

export type { Logger };

/** One JSON logger per process, named after the app that runs it. */
export const createLogger = (name: string, level: string): Logger => pino({ name, level });
