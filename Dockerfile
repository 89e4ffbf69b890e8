# syntax=docker/dockerfile:1
#
# failover-api production image.
#   build:  docker build -t ghcr.io/failover-api/failover-api:0.1.0 .
#   run:    docker run --read-only --tmpfs /tmp --user 65532:65532 \
#             -v "$PWD/config.yaml:/etc/failover-api/config.yaml:ro" -p 8080:8080 \
#             ghcr.io/failover-api/failover-api:0.1.0
# Kubernetes manifests live in deploy/ (see deploy/README.md).

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: compile TypeScript to dist/, bundle the dashboard to dist/web/ ---------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build-web.ts ./scripts/
COPY src/ ./src/
RUN npm run build

# ---- deps: production node_modules only ---------------------------------------------------------
# No production dependency has an install script, so --ignore-scripts is safe and keeps the
# install reproducible.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- runtime -------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="failover-api" \
      org.opencontainers.image.description="Fail stateful Kubernetes apps over to their replicated backup volumes through Git, so Flux applies the change." \
      org.opencontainers.image.source="https://github.com/failover-api/failover-api" \
      org.opencontainers.image.url="https://github.com/failover-api/failover-api" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/node:24-bookworm-slim"

# git + ssh are run by the app (clone, fetch, push with the Flux deploy key).
# ssh refuses to run for a uid without a passwd entry ("No user exists for uid ..."), and it takes
# ~ from the passwd entry, not $HOME: hence a real user 65532 whose home is /tmp.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 65532 failover-api \
 && useradd --uid 65532 --gid 65532 --home-dir /tmp --no-create-home --shell /usr/sbin/nologin failover-api \
 && mkdir -p /var/lib/failover-api /etc/failover-api \
 && chown 65532:65532 /var/lib/failover-api

# Read-only root filesystem: the app writes only to the data dir and /tmp; git and ssh use HOME.
ENV NODE_ENV=production \
    HOME=/tmp \
    FAILOVER_API_CONFIG=/etc/failover-api/config.yaml

WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=deps /app/node_modules/ ./node_modules/
COPY --from=build /app/dist/ ./dist/
COPY bin/ ./bin/
COPY examples/homelab/ ./examples/homelab/

VOLUME ["/var/lib/failover-api"]
EXPOSE 8080
USER 65532:65532

# No HEALTHCHECK: Kubernetes probes /healthz and /readyz.
ENTRYPOINT ["node", "/app/bin/failover-api.js"]
CMD ["serve", "--config", "/etc/failover-api/config.yaml", "--host", "0.0.0.0", "--port", "8080"]
