#!/usr/bin/env bash
# Installs what Wasmfleet needs before `npm start` or `npm test`, on a fresh Debian machine:
# system packages with apt-get when run as root (otherwise prints the exact command), then npm packages.
# Usage: scripts/setup.sh start|test|bench
set -euo pipefail
cd "$(dirname "$0")/.."
purpose=${1:-start}

need_node="20.19.0"
have_node=$(node -p 'process.versions.node' 2>/dev/null || echo 0)
if [ "$(printf '%s\n%s\n' "$need_node" "$have_node" | sort -V | head -n1)" != "$need_node" ]; then
  echo "wasmfleet: Node.js >= $need_node is required (found $have_node)." >&2
  exit 1
fi

# Debian package → a command or file that shows it is installed.
# clang-14 + lld-14 build the C example filter (npm run build builds every workspace).
declare -A probe=([redis-server]="redis-server" [clang-14]="clang-14" [lld-14]="wasm-ld-14")
if [ "$purpose" = bench ]; then
  probe[wrk]="wrk"
fi
if [ "$purpose" = test ] || [ "$purpose" = bench ]; then
  probe[python3-grpcio]="/usr/lib/python3/dist-packages/grpc/__init__.py"
  probe[python3-grpc-tools]="/usr/lib/python3/dist-packages/grpc_tools/protoc.py"
  probe[wabt]="wat2wasm"
  # a real OCI registry, an independent OCI client, htpasswd and openssl for the registry auth tests
  probe[docker-registry]="docker-registry"
  probe[skopeo]="skopeo"
  probe[apache2-utils]="htpasswd"
  probe[openssl]="openssl"
  # a real Prometheus scraping apps/proxy, for the PromQL health source
  probe[prometheus]="/usr/bin/prometheus"
fi
missing=()
for pkg in "${!probe[@]}"; do
  p=${probe[$pkg]}
  if [[ $p == /* ]]; then [ -e "$p" ] || missing+=("$pkg"); else command -v "$p" >/dev/null 2>&1 || missing+=("$pkg"); fi
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "wasmfleet: installing ${missing[*]} with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "wasmfleet: missing system packages. Install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# npm packages: install when absent or when package.json changed since the last install.
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ -n "$(find package.json apps/*/package.json libs/*/package.json -newer "$stamp" 2>/dev/null)" ]; then
  echo "wasmfleet: installing npm packages" >&2
  npm install --no-audit --no-fund
fi
