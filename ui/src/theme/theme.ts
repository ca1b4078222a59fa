// Theme choice: dark by default (like Maya and Blender), light, or following the OS.
// Pure rules here; theme-state.svelte.ts applies them to the document.

export type ThemePreference = "dark" | "light" | "system";
export type Theme = "dark" | "light";

export const DEFAULT_THEME_PREFERENCE: ThemePreference = "dark";
export const THEME_STORAGE_KEY = "mayalink.theme";

const ORDER: readonly ThemePreference[] = ["dark", "light", "system"];

export function resolveTheme(preference: ThemePreference, systemPrefersDark: boolean): Theme {
  if (preference === "system") return systemPrefersDark ? "dark" : "light";
  return preference;
}

/** The toggle cycles dark → light → system → dark. */
export function nextThemePreference(preference: ThemePreference): ThemePreference {
  return ORDER[(ORDER.indexOf(preference) + 1) % ORDER.length] ?? DEFAULT_THEME_PREFERENCE;
}

export function parseThemePreference(stored: string | null | undefined): ThemePreference {
  return ORDER.includes(stored as ThemePreference) ? (stored as ThemePreference) : DEFAULT_THEME_PREFERENCE;
}

export const THEME_PREFERENCE_LABELS: Record<ThemePreference, string> = {
  dark: "Dark theme",
  light: "Light theme",
  system: "Theme follows the system",
};
