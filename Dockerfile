# syntax=docker/dockerfile:1
# Build stage: full dev dependencies, TypeScript compiled to dist/.
FROM node:24.21-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
RUN npm run build

# Dev stage (simulators, demo), only for compose's `demo` profile: never the product image.
FROM build AS dev
COPY tsconfig.dev.json ./
COPY dev ./dev
RUN npm run build:dev

# Runtime stage: production dependencies and compiled code only, run as the image's non-root user.
FROM node:24.21-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8080
# The worker role has no HTTP server; compose overrides this check for it.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js"]
