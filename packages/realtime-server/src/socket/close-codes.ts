/** Close codes that tell a client why it was disconnected (4000-4999 are the application's). */
export const CloseCode = {
  sessionEnded: 4401,
  tooMany: 4429,
  tooSlow: 4408,
  shuttingDown: 1012,
} as const;
