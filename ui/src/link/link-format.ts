// The live link as the panel words it: the mapping table's rows (one per Mosketch joint,
// with its status), the nodes a row can be set to, which Mayas are the link's targets,
// and the figures' formatting. Pure logic, no Svelte.
import type { Mapping } from "../bindings/Mapping";

export type RowStatus = "mapped" | "manual" | "ambiguous" | "unmapped";

export interface MappingRow {
  /** The Mosketch joint. */
  mosketch: string;
  /** The Maya node it drives (long path), or null. */
  maya: string | null;
  /** `joint` or `transform` when mapped. */
  kind: string | null;
  /** The Maya node's rotate order, once a running link has read it. */
  rotateOrder: string | null;
  status: RowStatus;
  /** For an ambiguous name: every Maya node it matched. */
  candidates: string[];
}

export const STATUS_LABELS: Record<RowStatus, string> = {
  mapped: "mapped",
  manual: "by hand",
  ambiguous: "ambiguous",
  unmapped: "unmapped",
};

export const STATUS_TITLES: Record<RowStatus, string> = {
  mapped: "The names match",
  manual: "Chosen by hand (saved for this Maya scene and Mosketch character)",
  ambiguous: "Several Maya nodes have this name: none is driven until you pick one",
  unmapped: "No Maya node is driven by this joint",
};

/**
 * One row per Mosketch joint, in `order` (the character's joint order) when given; joints the
 * order does not name come after, problems first.
 */
export function mappingRows(mapping: Mapping, order: readonly string[] = []): MappingRow[] {
  const byName = new Map<string, MappingRow>();
  for (const p of mapping.pairs) {
    byName.set(p.mosketch, { mosketch: p.mosketch, maya: p.maya, kind: p.kind, rotateOrder: p.rotateOrder ?? null, status: p.overridden ? "manual" : "mapped", candidates: [] });
  }
  for (const a of mapping.ambiguous) {
    byName.set(a.mosketch, { mosketch: a.mosketch, maya: null, kind: null, rotateOrder: null, status: "ambiguous", candidates: [...a.candidates] });
  }
  for (const name of mapping.unmappedMosketch) {
    if (!byName.has(name)) byName.set(name, { mosketch: name, maya: null, kind: null, rotateOrder: null, status: "unmapped", candidates: [] });
  }
  const rows: MappingRow[] = [];
  for (const name of order) {
    const row = byName.get(name);
    if (row) {
      rows.push(row);
      byName.delete(name);
    }
  }
  const rank: Record<RowStatus, number> = { ambiguous: 0, unmapped: 1, manual: 2, mapped: 3 };
  const rest = [...byName.values()].sort((a, b) => rank[a.status] - rank[b.status]);
  return [...rows, ...rest];
}

export type RowFilter = "all" | "attention";

/** Rows matching a text (Mosketch or Maya name) and the filter ("attention": ambiguous or unmapped). */
export function filterMappingRows(rows: MappingRow[], text: string, filter: RowFilter): MappingRow[] {
  const q = text.trim().toLowerCase();
  return rows.filter(
    (r) =>
      (filter === "all" || r.status === "ambiguous" || r.status === "unmapped") &&
      (!q || r.mosketch.toLowerCase().includes(q) || (r.maya ?? "").toLowerCase().includes(q)),
  );
}

export interface MappingCounts {
  mapped: number;
  manual: number;
  ambiguous: number;
  unmappedMosketch: number;
  unmappedMaya: number;
}

export function mappingCounts(mapping: Mapping): MappingCounts {
  const manual = mapping.pairs.filter((p) => p.overridden).length;
  return {
    mapped: mapping.pairs.length,
    manual,
    ambiguous: mapping.ambiguous.length,
    unmappedMosketch: mapping.unmappedMosketch.length,
    unmappedMaya: mapping.unmappedMaya.length,
  };
}

/** `|rig|mixamorig:Hips` → `mixamorig:Hips` (the DAG path's leaf, namespaces kept). */
export function leafName(path: string): string {
  return path.split("|").filter(Boolean).pop() ?? path;
}

/** A warning with its DAG paths cut to their leaf ("|Hips|Spine|LeftHand.rotateX" → "LeftHand.rotateX"). */
export function shortWarning(text: string): string {
  return text.replace(/\|?(?:[^|\s]+\|)+(?=[^|\s])/g, "");
}

export interface NodeChoices {
  /** For an ambiguous row: the nodes its name matched. */
  candidates: string[];
  /** Maya joints nothing drives yet. */
  free: string[];
  /** Nodes other joints drive (picking one moves it here). */
  taken: string[];
}

/** The Maya nodes a row can be set to, grouped; the row's own node is left out. */
export function nodeChoices(row: MappingRow, mapping: Mapping): NodeChoices {
  const own = row.maya;
  return {
    candidates: row.candidates,
    free: mapping.unmappedMaya.filter((n) => n !== own),
    taken: mapping.pairs.filter((p) => p.maya !== own).map((p) => p.maya),
  };
}

/**
 * The Mayas the link targets: the artist's ticks (only sessions still connected) once they
 * ticked any; until then the active session if connected, else the first connected one.
 */
export function chooseTargets(chosen: readonly string[] | null, connected: readonly string[], active: string | null): string[] {
  if (chosen !== null) return connected.filter((id) => chosen.includes(id));
  if (active !== null && connected.includes(active)) return [active];
  return connected.slice(0, 1);
}

/** "1.4 ms", "12 ms", "—". */
export function fmtMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "—";
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** Microseconds as "420 µs" or "1.3 ms". */
export function fmtUs(us: number | null): string {
  if (us === null || !Number.isFinite(us)) return "—";
  return us < 1000 ? `${Math.round(us)} µs` : fmtMs(us / 1000);
}

/** "p50 · p95" of two figures in the same format ("1.2 · 3.4 ms": one unit when they share it), "—" when neither is known. */
export function fmtPair(p50: number | null, p95: number | null, fmt: (v: number | null) => string): string {
  if (p50 === null && p95 === null) return "—";
  const a = fmt(p50);
  const b = fmt(p95);
  const unit = / (\S+)$/;
  const ua = a.match(unit)?.[1];
  if (ua && ua === b.match(unit)?.[1]) return `${a.slice(0, -ua.length - 1)} · ${b}`;
  return `${a} · ${b}`;
}

/** Frames applied per second: "59.8", "0". */
export function fmtRate(perS: number): string {
  if (!Number.isFinite(perS) || perS <= 0) return "0";
  return perS < 100 ? perS.toFixed(1) : String(Math.round(perS));
}
