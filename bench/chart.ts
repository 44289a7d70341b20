/**
 * The chart a reader sees first: for each Errand store, its throughput in each
 * throughput scenario divided by the best peer's on the same server, as horizontal bars
 * on a log scale around 1×. Plain SVG, written by hand.
 */
import { type BenchResults, formatRatio, METRICS, ratioToBestPeer } from "./results.ts";

const WIDTH = 960;
const LABEL_W = 260;
const PLOT_W = 440;
const ROW_H = 22;
const GAP = 12;
const TOP = 64;

const THROUGHPUT = METRICS.filter((m) => m.unit === "jobs/s");

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

type Row = { label: string; ratio: number; peer: string } | { label: string; note: string };

function rows(results: BenchResults): { group: string; rows: Row[] }[] {
  const errands = results.systems.filter((s) => s.errand);
  const groups: { group: string; rows: Row[] }[] = [];
  const seenUnavailable = new Set<string>();
  for (const system of errands) {
    const reason = results.unavailable.get(system.id);
    if (reason !== undefined) {
      if (seenUnavailable.has(system.server)) continue;
      seenUnavailable.add(system.server);
      groups.push({ group: system.label, rows: [{ label: "not measured", note: reason }] });
      continue;
    }
    const measured = THROUGHPUT.flatMap((metric): Row[] => {
      const ratio = ratioToBestPeer(results, system, metric);
      if (!ratio) return [];
      const cross = ratio.crossServer ? ` (${ratio.peer.server})` : "";
      return [
        {
          label: metric.label.replace(/^\(\d\) /, ""),
          ratio: ratio.value,
          peer: `${ratio.peer.label}${cross}`,
        },
      ];
    });
    if (measured.length > 0) groups.push({ group: system.label, rows: measured });
  }
  return groups;
}

function scale(groups: { rows: Row[] }[]): (ratio: number) => number {
  const ratios = groups.flatMap((g) => g.rows.flatMap((r) => ("ratio" in r ? [r.ratio] : [])));
  const lo = Math.log2(Math.min(0.125, ...ratios.map((r) => r / 1.2)));
  const hi = Math.log2(Math.max(8, ...ratios.map((r) => r * 1.2)));
  return (ratio) => LABEL_W + ((Math.log2(ratio) - lo) / (hi - lo)) * PLOT_W;
}

function axis(x: (r: number) => number, height: number): string[] {
  const out: string[] = [];
  for (let p = -10; p <= 10; p++) {
    const r = 2 ** p;
    const px = x(r);
    if (px < LABEL_W - 0.5 || px > LABEL_W + PLOT_W + 0.5) continue;
    const label = r >= 1 ? `${r}×` : `1/${1 / r}×`;
    const stroke = p === 0 ? `stroke="#333" stroke-width="1.5"` : `stroke="#ddd"`;
    out.push(
      `<line x1="${px.toFixed(1)}" y1="${TOP - 6}" x2="${px.toFixed(1)}" y2="${height - 24}" ${stroke}/>`,
    );
    out.push(
      `<text x="${px.toFixed(1)}" y="${height - 10}" text-anchor="middle" class="tick">${label}</text>`,
    );
  }
  return out;
}

/** The SVG document. */
export function renderChart(results: BenchResults, subtitle: string): string {
  const groups = rows(results);
  const rowCount = groups.reduce((n, g) => n + g.rows.length + 1, 0);
  const height = TOP + rowCount * ROW_H + groups.length * GAP + 40;
  const x = scale(groups);
  const body: string[] = [];
  let y = TOP;
  for (const group of groups) {
    body.push(`<text x="8" y="${y + 15}" class="group">${escape(group.group)}</text>`);
    y += ROW_H;
    for (const row of group.rows) {
      body.push(`<text x="24" y="${y + 15}" class="label">${escape(row.label)}</text>`);
      if ("ratio" in row) {
        const x0 = x(1);
        const x1 = x(row.ratio);
        const colour = row.ratio >= 1 ? "#2e7d32" : "#c62828";
        body.push(
          `<rect x="${Math.min(x0, x1).toFixed(1)}" y="${y + 4}" width="${Math.max(1, Math.abs(x1 - x0)).toFixed(1)}" height="${ROW_H - 8}" fill="${colour}"/>`,
          `<text x="${(LABEL_W + PLOT_W + 8).toFixed(1)}" y="${y + 15}" class="value">${formatRatio(row.ratio)}× ${escape(row.peer)}</text>`,
        );
      } else {
        const note = row.note.length > 90 ? `${row.note.slice(0, 87)}…` : row.note;
        body.push(`<text x="${LABEL_W}" y="${y + 15}" class="note">${escape(note)}</text>`);
      }
      y += ROW_H;
    }
    y += GAP;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif">`,
    `<style>.title{font-size:15px;font-weight:600}.sub{font-size:11px;fill:#555}.group{font-size:13px;font-weight:600}.label{font-size:12px}.value{font-size:11px}.tick{font-size:10px;fill:#555}.note{font-size:11px;fill:#777}</style>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="8" y="22" class="title">Errand throughput ÷ best peer on the same server (SQLite: on any server)</text>`,
    `<text x="8" y="40" class="sub">${escape(`Log scale; bars right of 1× mean Errand is faster. ${subtitle}`)}</text>`,
    ...axis(x, height),
    ...body,
    `</svg>`,
    "",
  ].join("\n");
}
