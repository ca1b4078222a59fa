// The rows of the joint list: the skeleton's tree (depth-first, indented) when there is a
// skeleton, else the Hierarchy's order; joints Mosketch streams that the skeleton lacks come
// last. Filtering shows the matching joints flat.

import type { Skeleton } from "../bindings/Skeleton";

export interface JointRow {
  name: string;
  depth: number;
  /** Mosketch streams this joint (it is in the Hierarchy). */
  streamed: boolean;
  /** The skeleton has this joint (it is drawn). */
  drawn: boolean;
}

export function jointRows(names: readonly string[], skeleton: Skeleton | null): JointRow[] {
  const inStream = new Set(names);
  if (!skeleton || skeleton.joints.length === 0) {
    return names.map((name) => ({ name, depth: 0, streamed: true, drawn: false }));
  }
  const n = skeleton.joints.length;
  const children: number[][] = Array.from({ length: n }, () => []);
  const roots: number[] = [];
  skeleton.joints.forEach((j, i) => (j.parent !== null && j.parent < i ? children[j.parent]!.push(i) : roots.push(i)));
  const rows: JointRow[] = [];
  const stack: Array<[number, number]> = roots.reverse().map((r) => [r, 0]);
  while (stack.length) {
    const [i, depth] = stack.pop()!;
    const name = skeleton.joints[i]!.name;
    rows.push({ name, depth, streamed: inStream.has(name), drawn: true });
    const kids = children[i]!;
    for (let k = kids.length - 1; k >= 0; k--) stack.push([kids[k]!, depth + 1]);
  }
  const drawn = new Set(skeleton.joints.map((j) => j.name));
  for (const name of names) if (!drawn.has(name)) rows.push({ name, depth: 0, streamed: true, drawn: false });
  return rows;
}

export function filterRows(rows: readonly JointRow[], text: string): JointRow[] {
  const t = text.trim().toLowerCase();
  if (!t) return [...rows];
  return rows.filter((r) => r.name.toLowerCase().includes(t)).map((r) => ({ ...r, depth: 0 }));
}
