// Which skeleton the preview draws, in the order: the Hierarchy's own skeleton (extra
// fields, which the real server may not send); else one the artist got from Maya or a file
// (kept while it shares joint names with the character); else none, and the pane explains
// the three ways to get one. Also: when to query the active Maya on its own, and how pose
// joints map onto skeleton joints (by exact name).
import type { MosketchHierarchy } from "../bindings/MosketchHierarchy";
import type { Skeleton } from "../bindings/Skeleton";
import type { SkeletonSource } from "../bindings/SkeletonSource";

export type SkeletonChoice =
  | { kind: "hierarchy"; skeleton: Skeleton; matched: number }
  | { kind: "loaded"; skeleton: Skeleton; matched: number }
  /** No skeleton. `mismatch`: the loaded one shares no joint name with the character. */
  | { kind: "none"; mismatch: boolean };

/** How many of `names` the skeleton has. */
export function matchCount(skeleton: Skeleton, names: readonly string[]): number {
  const have = new Set(skeleton.joints.map((j) => j.name));
  let n = 0;
  for (const name of names) if (have.has(name)) n++;
  return n;
}

export function chooseSkeleton(hierarchy: MosketchHierarchy | null, loaded: Skeleton | null): SkeletonChoice {
  const names = hierarchy?.joints ?? [];
  const own = hierarchy?.skeleton;
  if (own && own.joints.length > 0) return { kind: "hierarchy", skeleton: own, matched: matchCount(own, names) };
  if (loaded && loaded.joints.length > 0) {
    // Without a character yet, the loaded skeleton shows in its rest pose.
    if (!hierarchy) return { kind: "loaded", skeleton: loaded, matched: 0 };
    const matched = matchCount(loaded, names);
    if (matched > 0) return { kind: "loaded", skeleton: loaded, matched };
    return { kind: "none", mismatch: true };
  }
  return { kind: "none", mismatch: false };
}

/** Words for where a skeleton came from. */
export function describeSource(source: SkeletonSource): string {
  switch (source) {
    case "hierarchy":
      return "from Mosketch's Hierarchy";
    case "simulator":
      return "from the simulator's Hierarchy";
    case "maya":
      return "queried from Maya";
    case "file":
      return "from a skeleton file";
    case "bvh":
      return "from a BVH file";
  }
}

export interface AutoQueryInput {
  hierarchy: MosketchHierarchy | null;
  loaded: Skeleton | null;
  /** The active Maya session when it is connected, else null. */
  mayaSession: string | null;
  /** `${hierarchyId}/${session}` keys already tried (once each, success or not). */
  tried: ReadonlySet<string>;
  busy: boolean;
}

/**
 * The Maya session to ask for the skeleton on its own, or null: only when the Hierarchy
 * brought none, nothing usable is loaded, a Maya is connected, and that pair was not tried.
 */
export function autoQueryTarget(input: AutoQueryInput): string | null {
  const { hierarchy, mayaSession } = input;
  if (!hierarchy || hierarchy.joints.length === 0 || !mayaSession || input.busy) return null;
  if (chooseSkeleton(hierarchy, input.loaded).kind !== "none") return null;
  return input.tried.has(autoQueryKey(hierarchy.id, mayaSession)) ? null : mayaSession;
}

export const autoQueryKey = (hierarchyId: number, session: string) => `${hierarchyId}/${session}`;

/** For each skeleton joint, the index of the pose joint with its name, or -1. */
export function bindPose(skeletonNames: readonly string[], poseNames: readonly string[], out?: Int32Array): Int32Array {
  const map = out && out.length === skeletonNames.length ? out : new Int32Array(skeletonNames.length);
  const at = new Map<string, number>();
  poseNames.forEach((n, i) => at.set(n, i));
  skeletonNames.forEach((n, i) => (map[i] = at.get(n) ?? -1));
  return map;
}
