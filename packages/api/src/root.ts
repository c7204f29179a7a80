import { adminRouter } from "./routers/admin";
import { authRouter } from "./routers/auth";
import { botsRouter } from "./routers/bots";
import { directRouter } from "./routers/direct";
import { eventsRouter } from "./routers/events";
import { historyRouter } from "./routers/history";
import { invitesRouter } from "./routers/invites";
import { messagesRouter } from "./routers/messages";
import { outgoingWebhooksRouter } from "./routers/outgoing-webhooks";
import { profileRouter } from "./routers/profile";
import { registrationRouter } from "./routers/registration";
import { roomsRouter } from "./routers/rooms";
import { searchRouter } from "./routers/search";
import { tokensRouter } from "./routers/tokens";
import { usersRouter } from "./routers/users";
import { webhooksRouter } from "./routers/webhooks";
import { router } from "./trpc";

export const appRouter = router({
  auth: authRouter,
  profile: profileRouter,
  users: usersRouter,
  rooms: roomsRouter,
  invites: invitesRouter,
  history: historyRouter,
  direct: directRouter,
  messages: messagesRouter,
  events: eventsRouter,
  search: searchRouter,
  registration: registrationRouter,
  webhooks: webhooksRouter,
  outgoingWebhooks: outgoingWebhooksRouter,
  tokens: tokensRouter,
  bots: botsRouter,
  admin: adminRouter,
});

export type AppRouter = typeof appRouter;
