// Shortcuts as each platform has them: Cmd on macOS, Ctrl on Windows and Linux — the
// key the artist presses and how the label reads (⇧⌘Enter on a Mac, Ctrl+Shift+Enter
// elsewhere). The OS is the browser's or webview's: it owns the keyboard.
export type Os = "macos" | "windows" | "linux";

type NavigatorLike = { userAgent?: string; platform?: string };

export function detectOs(nav: NavigatorLike | undefined = globalThis.navigator): Os {
  const text = `${nav?.platform ?? ""} ${nav?.userAgent ?? ""}`;
  if (/Mac|iPhone|iPad/i.test(text)) return "macos";
  if (/Win/i.test(text)) return "windows";
  return "linux";
}

export const OS: Os = detectOs();

/** The platform's shortcut modifier is down (Cmd on macOS, Ctrl elsewhere), and only it. */
export function isModKey(event: { ctrlKey: boolean; metaKey: boolean }, os: Os = OS): boolean {
  return os === "macos" ? event.metaKey && !event.ctrlKey : event.ctrlKey && !event.metaKey;
}

const MAC_SYMBOLS: Record<string, string> = { Mod: "⌘", Cmd: "⌘", Shift: "⇧", Alt: "⌥", Ctrl: "⌃" };
const MAC_ORDER = ["⌃", "⌥", "⇧", "⌘"];

/** "Mod+Shift+Enter" as this platform writes it: "⇧⌘Enter" on a Mac, "Ctrl+Shift+Enter" elsewhere. */
export function keys(combo: string, os: Os = OS): string {
  const parts = combo.split("+");
  if (os !== "macos") return parts.map((p) => (p === "Mod" ? "Ctrl" : p)).join("+");
  const mods = parts.slice(0, -1).map((p) => MAC_SYMBOLS[p] ?? p);
  mods.sort((a, b) => MAC_ORDER.indexOf(a) - MAC_ORDER.indexOf(b));
  return mods.join("") + parts[parts.length - 1];
}
