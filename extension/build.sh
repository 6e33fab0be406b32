#!/usr/bin/env bash
# Rebuild the prebuilt labextension (committed under portinglab_copies/labextensions/) from the
# sources, offline from npm with the pinned yarn.lock, and stamp the sources it was built from.
# Run it after changing anything under src/, style/, schema/, package.json or yarn.lock.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${PORTINGLAB_VENV:-$here/../.venv}"
export PATH="$venv/bin:$PATH"
cd "$here"
# the TypeScript of the Python<->TypeScript contracts (src/protocol.ts), from their one definition each
PYTHONPATH="$here/../src:$here/../portable/src" "$venv/bin/python" -m portinglab contracts
jlpm install --immutable
jlpm tsc --sourceMap false
jupyter labextension build --development False .
rm -f portinglab_copies/labextensions/portinglab-copies/schemas/portinglab-copies/package.json.orig
"$venv/bin/python" sources.py > portinglab_copies/SOURCES.sha256
echo "[extension] built portinglab_copies/labextensions/portinglab-copies"
