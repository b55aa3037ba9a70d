#!/usr/bin/env bash
# Headless Chromium for the report's browser test (test/databricks/pinterest_etl/report.local.test.ts): Debian's
# `chromium` package, installed on first use by local/test's local tier; fast when present.
# Output goes to .local/logs/setup-chromium.log and is shown only when the install fails.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# shellcheck source=local/lib.sh
. "$ROOT/local/lib.sh"

if [ -x /usr/bin/chromium ]; then exit 0; fi
printf 'setup: installing Chromium for the report test (one time, ~1 min; log: .local/logs/setup-chromium.log)\n' >&2
export DEBIAN_FRONTEND=noninteractive
quietly setup-chromium apt-get update -qq
quietly setup-chromium apt-get install -y -qq --no-install-recommends chromium
