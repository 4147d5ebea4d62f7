#!/bin/sh
# Container entry point: every file in /run/secrets (compose or swarm secrets) becomes the environment
# variable of its name in upper case (jwt_secret -> JWT_SECRET) unless that variable is already set,
# then the command runs. Secrets stay out of `docker inspect` and the compose file.
set -eu
if [ -d /run/secrets ]; then
  for file in /run/secrets/*; do
    [ -f "$file" ] || continue
    name=$(basename "$file" | tr '[:lower:]-' '[:upper:]_')
    case "$name" in *[!A-Z0-9_]*) continue ;; esac
    if [ -z "$(printenv "$name" || true)" ]; then
      export "$name=$(cat "$file")"
    fi
  done
fi
exec "$@"
