// Sizes of the workbench panes (sessions sidebar, preview, editor/console split): limits,
// clamping to the window so the centre never collapses, keyboard steps for the dividers,
// and (de)serialisation for restoring the layout at the next start.

export interface PaneLayout {
  /** Sessions sidebar width, px. */
  sidebar: number;
  /** 3D preview width, px. */
  preview: number;
  /** Share of the centre column's height given to the editor (the console gets the rest). */
  editorShare: number;
}

export const DEFAULT_PANE_LAYOUT: PaneLayout = { sidebar: 272, preview: 380, editorShare: 0.5 };

export const PANE_LIMITS = {
  sidebar: { min: 200, max: 440 },
  preview: { min: 260, max: 760 },
  editorShare: { min: 0.15, max: 0.85 },
  /** The editor and console column keeps at least this width. */
  centreMin: 360,
} as const;

export const PANE_LAYOUT_STORAGE_KEY = "mayalink.paneLayout";

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/**
 * Brings a layout within the limits and the window width: when the window is too narrow,
 * the preview gives way first, then the sidebar, down to their minimums.
 */
export function clampPaneLayout(layout: PaneLayout, windowWidth: number): PaneLayout {
  let sidebar = clamp(layout.sidebar, PANE_LIMITS.sidebar.min, PANE_LIMITS.sidebar.max);
  let preview = clamp(layout.preview, PANE_LIMITS.preview.min, PANE_LIMITS.preview.max);
  const editorShare = clamp(layout.editorShare, PANE_LIMITS.editorShare.min, PANE_LIMITS.editorShare.max);
  let excess = sidebar + preview + PANE_LIMITS.centreMin - windowWidth;
  if (excess > 0) {
    const fromPreview = Math.min(excess, preview - PANE_LIMITS.preview.min);
    preview -= fromPreview;
    excess -= fromPreview;
    sidebar -= Math.min(excess, sidebar - PANE_LIMITS.sidebar.min);
  }
  return { sidebar: Math.round(sidebar), preview: Math.round(preview), editorShare };
}

/** The largest width a side pane may take in this window while the other keeps its width. */
export function maxSideWidth(pane: "sidebar" | "preview", layout: PaneLayout, windowWidth: number): number {
  const other = pane === "sidebar" ? layout.preview : layout.sidebar;
  const room = windowWidth - other - PANE_LIMITS.centreMin;
  return Math.max(PANE_LIMITS[pane].min, Math.min(PANE_LIMITS[pane].max, room));
}

/**
 * What a key does to a divider's value: a step (Shift for a big one), or jump to min/max.
 * `null` for keys the divider ignores. Arrow directions follow the divider's axis.
 */
export function dividerKeyAction(
  key: string,
  axis: "x" | "y",
  shiftKey: boolean,
): { step: number } | "min" | "max" | null {
  const size = shiftKey ? 64 : 16;
  const back = axis === "x" ? "ArrowLeft" : "ArrowUp";
  const forward = axis === "x" ? "ArrowRight" : "ArrowDown";
  if (key === back) return { step: -size };
  if (key === forward) return { step: size };
  if (key === "Home") return "min";
  if (key === "End") return "max";
  return null;
}

export function parsePaneLayout(stored: string | null | undefined): PaneLayout {
  if (!stored) return { ...DEFAULT_PANE_LAYOUT };
  try {
    const value = JSON.parse(stored) as Partial<Record<keyof PaneLayout, unknown>>;
    const num = (v: unknown, fallback: number) => (typeof v === "number" && Number.isFinite(v) ? v : fallback);
    return {
      sidebar: num(value.sidebar, DEFAULT_PANE_LAYOUT.sidebar),
      preview: num(value.preview, DEFAULT_PANE_LAYOUT.preview),
      editorShare: num(value.editorShare, DEFAULT_PANE_LAYOUT.editorShare),
    };
  } catch {
    return { ...DEFAULT_PANE_LAYOUT };
  }
}

export function serializePaneLayout(layout: PaneLayout): string {
  return JSON.stringify(layout);
}
