# syntax=docker/dockerfile:1
# One image for both Parley processes; docker-compose.yml picks the command per service.
FROM node:20-slim

ENV NEXT_TELEMETRY_DISABLED=1 TURBO_TELEMETRY_DISABLED=1
WORKDIR /app
RUN chown node:node /app
USER node

# The whole workspace: `npm ci` needs every workspace's package.json beside the lockfile.
# .dockerignore keeps node_modules, build output, .env and local data out of the context.
COPY --chown=node:node . .

# Dev dependencies are installed too: the web build needs TypeScript and realtime runs under tsx.
RUN --mount=type=cache,target=/home/node/.npm,uid=1000,gid=1000 npm ci

# The web app's production build, made by turbo so that `npm run start:web` finds it in turbo's cache.
RUN npx turbo run build --filter=@parley/web

ENV NODE_ENV=production
CMD ["npm", "run", "start:web"]
