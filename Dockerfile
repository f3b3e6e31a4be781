# Build stage: compiles TypeScript and the better-sqlite3 native binding, then drops dev dependencies.
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY src ./src
COPY schema ./schema
COPY resolvers ./resolvers
COPY controllers ./controllers
COPY test ./test
COPY bench ./bench
COPY crds ./crds
RUN npm run build && npm prune --omit=dev

# Runtime stage: production dependencies and compiled code only, as an unprivileged user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PGO_DATA_DIR=/var/lib/pgo
WORKDIR /app
RUN groupadd --system --gid 10001 pgo \
 && useradd --system --uid 10001 --gid pgo --home-dir /var/lib/pgo --no-create-home pgo \
 && mkdir -p /var/lib/pgo && chown pgo:pgo /var/lib/pgo
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/schema ./dist/schema
COPY --from=build /app/dist/resolvers ./dist/resolvers
COPY --from=build /app/dist/controllers ./dist/controllers
COPY --from=build /app/crds ./crds
USER 10001:10001
EXPOSE 8443
# PGO_MODE defaults to auto: inside a pod the mounted service account selects the cluster it runs in.
CMD ["node", "dist/src/main.js"]
