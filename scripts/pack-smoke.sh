#!/usr/bin/env bash
# Packs Errand as npm would publish it, installs the tarball into a fresh project and
# uses it there the way the README does (ESM and CommonJS, plus a type check), so a
# broken build (missing SQL files, bad export map, unresolvable types) fails here
# rather than for users. better-sqlite3 compiles from source on install: ~1 minute.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/errand-pack-smoke-XXXXXX")
trap 'rm -rf "$work"' EXIT
started=$SECONDS

log() { echo "pack-smoke [$((SECONDS - started))s]: $*"; }

cd "$root"
log "npm pack (prepack builds dist/)"
npm pack --pack-destination "$work" --no-audit --no-fund >"$work/pack.log" 2>&1 ||
  { cat "$work/pack.log"; exit 1; }
tarball=$(ls "$work"/errand-*.tgz)
log "packed $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"

# Every SQL and Lua file the stores read at runtime must ship next to the bundle.
tar -tzf "$tarball" >"$work/contents.txt"
missing=0
while IFS= read -r file; do
  shipped="package/dist/${file#src/stores/}"
  if ! grep -qxF "$shipped" "$work/contents.txt"; then
    echo "missing from the package: $shipped" >&2
    missing=1
  fi
done < <(find src/stores -name '*.sql' -o -name '*.lua' | sort)
[ "$missing" = 0 ] || exit 1
log "every SQL and Lua file under src/stores/ is in dist/"

app="$work/app"
mkdir "$app"
cd "$app"
npm init -y >/dev/null
npm pkg set type=module
log "npm install <tarball> zod (compiles better-sqlite3)"
npm install "$tarball" zod@^4 @types/node@^20 --no-audit --no-fund --loglevel=error
log "installed"

cat >esm.js <<'EOF'
import assert from "node:assert/strict";

import { Errand, JobFailedError, ValidationError } from "errand";
import { TestClock } from "errand/testing";
import { z } from "zod";

const errand = new Errand({ store: "sqlite:./jobs.db" });
const add = errand.task({
  name: "math.add",
  schema: z.object({ a: z.number(), b: z.number() }),
  handler: async ({ a, b }, ctx) => {
    ctx.log(`adding ${a} and ${b}`);
    return { sum: a + b };
  },
});
const fail = errand.task({
  name: "always.fails",
  attempts: 1,
  handler: async () => {
    throw new Error("nope");
  },
});

await assert.rejects(add.enqueue({ a: "two", b: 3 }), ValidationError);
const job = await add.enqueue({ a: 2, b: 3 });
const doomed = await fail.enqueue({});
const worker = errand.work({ concurrency: 2 });
assert.deepEqual(await job.result({ timeout: "10s" }), { sum: 5 });
await assert.rejects(doomed.result({ timeout: "10s" }), JobFailedError);

const info = await errand.jobs.get(job.id);
assert.equal(info?.state, "completed");
assert.deepEqual(info?.result, { sum: 5 });
assert.deepEqual(info?.data, { a: 2, b: 3 });
assert.equal(info?.logs[0]?.message, "adding 2 and 3");
assert.equal((await errand.jobs.get(doomed.id))?.state, "dead");
const counts = await errand.queues.counts("default");
assert.equal(counts.completed, 1);
assert.equal(counts.dead, 1);
assert.equal(typeof new TestClock().now, "function");

await worker.close();
await errand.close();
console.log("esm: enqueue, work, result, jobs.get and counts behave");
EOF

cat >cjs.cjs <<'EOF'
const assert = require("node:assert/strict");
const { Errand } = require("errand");
const { waitForJob } = require("errand/testing");

async function main() {
  const errand = new Errand({ store: "sqlite::memory:" });
  const greet = errand.task({ name: "greet", handler: async (data) => `hello ${data.who}` });
  const job = await greet.enqueue({ who: "cjs" });
  errand.work();
  const info = await waitForJob(errand, job.id, { states: ["completed"], timeout: 10_000 });
  assert.equal(info.result, "hello cjs");
  await errand.close();
  console.log("cjs: require('errand') works end to end");
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
EOF

# Types as a user's TypeScript project sees them: the export map, the .d.ts files, and
# the handler's data typed from the schema.
cat >types.ts <<'EOF'
import { Errand, type JobInfo } from "errand";
import { z } from "zod";

const errand = new Errand({ store: "sqlite::memory:" });
const task = errand.task({
  name: "typed",
  schema: z.object({ n: z.number() }),
  handler: async (data) => data.n * 2,
});
export const doubled: Promise<number> = task.enqueue({ n: 1 }).then((job) => job.result());
export const info: Promise<JobInfo | null> = errand.jobs.get("x");
// @ts-expect-error the payload is typed from the schema
void task.enqueue({ n: "one" });
EOF
cat >tsconfig.json <<'EOF'
{
  "compilerOptions": {
    "module": "nodenext",
    "target": "es2022",
    "strict": true,
    "noEmit": true,
    "skipLibCheck": false,
    "types": ["node"]
  },
  "files": ["types.ts"]
}
EOF

log "node esm.js"
node esm.js
log "node cjs.cjs"
node cjs.cjs
log "tsc (types from the package)"
"$root/node_modules/.bin/tsc" -p tsconfig.json
log "ok"
