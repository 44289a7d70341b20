/**
 * Reads a V8 `.cpuprofile` (from `npm run bench -- --profile=DIR`, which runs worker
 * processes under `node --cpu-prof`) and prints where the time went: self time by
 * function and by file, and inclusive time of the functions that contain the most.
 *
 *   npx tsx bench/profile-summary.ts DIR/CPU.*.cpuprofile [--top=25]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^file:\/\//, "").replace(/^.*\/(node_modules|work\/main)\//, "");
  return `${functionName || "(anonymous)"} ${file ? `${file}:${lineNumber + 1}` : ""}`.trim();
}

function fileOf(node: ProfileNode): string {
  const url = node.callFrame.url.replace(/^file:\/\//, "");
  if (url === "")
    return node.callFrame.functionName.startsWith("(") ? node.callFrame.functionName : "(native)";
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return `node_modules/${modules[1]}`;
  return url.replace(/^.*\/work\/main\//, "").replace(/^node:/, "node:");
}

function summarise(path: string, top: number): void {
  const profile = JSON.parse(readFileSync(path, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) =>
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
  );
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const inclusive = new Map<number, number>();
  const visit = (id: number): number => {
    const node = byId.get(id) as ProfileNode;
    const sum = (self.get(id) ?? 0) + (node.children ?? []).reduce((a, c) => a + visit(c), 0);
    inclusive.set(id, sum);
    return sum;
  };
  visit(profile.nodes[0]?.id ?? 1);
  const group = (values: Map<number, number>, key: (n: ProfileNode) => string, once: boolean) => {
    const out = new Map<string, number>();
    for (const [id, us] of values) {
      const node = byId.get(id) as ProfileNode;
      const k = key(node);
      // Inclusive time of a recursive or repeated frame counts once per call path root.
      if (once && ancestorsHave(byId, profile.nodes, id, k, key)) continue;
      out.set(k, (out.get(k) ?? 0) + us);
    }
    return [...out].sort((a, b) => b[1] - a[1]);
  };
  const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)} %`;
  const print = (title: string, rows: [string, number][]) => {
    console.log(`\n${title}`);
    for (const [name, us] of rows.slice(0, top)) console.log(`  ${pct(us)}  ${name}`);
  };
  console.log(`${path}: ${(total / 1e6).toFixed(2)} s sampled`);
  print("self time by file or package", group(self, fileOf, false));
  print("self time by function", group(self, frameName, false));
  print("inclusive time by function", group(inclusive, frameName, true));
}

let parents: Map<number, number> | null = null;

function ancestorsHave(
  byId: Map<number, ProfileNode>,
  nodes: ProfileNode[],
  id: number,
  name: string,
  key: (n: ProfileNode) => string,
): boolean {
  if (!parents) {
    parents = new Map();
    for (const n of nodes) for (const c of n.children ?? []) parents.set(c, n.id);
  }
  for (let p = parents.get(id); p !== undefined; p = parents.get(p)) {
    if (key(byId.get(p) as ProfileNode) === name) return true;
  }
  return false;
}

const { values, positionals } = parseArgs({
  options: { top: { type: "string", default: "25" } },
  allowPositionals: true,
});
for (const path of positionals) {
  parents = null;
  summarise(path, Number(values.top));
}
