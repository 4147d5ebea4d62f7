# syntax=docker/dockerfile:1

# Node 24 is the active LTS (Node 20 left support on 2026-04-30). package.json keeps engines >=20.19,
# and .ci/run runs the test suite on both.

# --- build: compile TypeScript with the dev dependencies -------------------------------------
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The workspaces first, so npm links @keyhold/client, which the account pages are bundled from.
COPY packages ./packages
COPY examples ./examples
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
COPY web ./web
# Compiles the service and bundles the hosted account pages into dist/account-pages.
RUN npm run build

# --- runtime: production dependencies and compiled output only, as a non-root user -----------
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    GEOIP_DB_PATH=/app/.data/geoip/GeoLite2-City.mmdb
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The built-in common-password list (400 PASSWORD_TOO_COMMON), read at start-up.
COPY data ./data
COPY scripts/docker/load-secrets.sh /usr/local/bin/load-secrets
RUN mkdir -p /app/.data/geoip && chown -R node:node /app/.data
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
# Files in /run/secrets become environment variables (jwt_secret -> JWT_SECRET).
ENTRYPOINT ["load-secrets"]
# Seed an admin inside the container with: ADMIN_EMAIL=... node dist/scripts/seed-admin.js (asks for the password)
CMD ["node", "dist/src/server.js"]
