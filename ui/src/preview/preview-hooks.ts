// `window.__mayalinkPreview`: hooks for the browser tests, the real-app test and the preview
// benchmark — where a joint shows on screen, picking, draw calls and frame times. Cheap and
// read-only apart from `select`/`frame`; installed while the preview's viewport lives.
import type { MosketchLink } from "./mosketch-link.svelte";
import type { FrameTimes } from "./frame-times";
import type { PoseViewport } from "./viewport";

export interface PreviewHooks {
  /** Client-pixel position of a joint, or null (unknown joint, off screen). */
  projectJoint(name: string): { x: number; y: number } | null;
  /** The joint under a client-pixel point, or null. */
  pickAt(x: number, y: number): string | null;
  select(name: string | null): void;
  frame(): void;
  info(): {
    joints: number;
    drawCalls: number;
    renders: number;
    triangles: number;
    skeletonSource: string | null;
    selected: string | null;
    frame: number | null;
    /** Poses the UI received from the backend. */
    poses: number;
    connection: string | null;
  };
  frameTimes(): FrameTimes;
  resetFrameTimes(): void;
}

declare global {
  interface Window {
    __mayalinkPreview?: PreviewHooks;
  }
}

export function installPreviewHooks(viewport: PoseViewport, link: MosketchLink): () => void {
  if (typeof window === "undefined") return () => {};
  const hooks: PreviewHooks = {
    projectJoint: (name) => viewport.projectJoint(viewport.indexOf(name)),
    pickAt: (x, y) => {
      const i = viewport.pick(x, y);
      return i >= 0 ? (viewport.jointNames[i] ?? null) : null;
    },
    select: (name) => (link.selected = name),
    frame: () => viewport.frameCharacter(true),
    info: () => ({
      joints: viewport.jointCount,
      drawCalls: viewport.lastDrawCalls,
      renders: viewport.renders,
      triangles: viewport.renderer.info.render.triangles,
      skeletonSource: link.skeleton?.source ?? null,
      selected: link.selected,
      frame: link.pose?.frame ?? null,
      poses: link.posesReceived,
      connection: link.status?.connection.kind ?? null,
    }),
    frameTimes: () => viewport.frameTimes(),
    resetFrameTimes: () => viewport.resetFrameTimes(),
  };
  window.__mayalinkPreview = hooks;
  return () => {
    if (window.__mayalinkPreview === hooks) delete window.__mayalinkPreview;
  };
}
