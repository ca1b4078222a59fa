// The app's live theme: the stored preference, the OS colour scheme, and the
// `data-theme` attribute on <html> that the CSS variables in app.css key on.
import {
  THEME_STORAGE_KEY,
  nextThemePreference,
  parseThemePreference,
  resolveTheme,
  type Theme,
  type ThemePreference,
} from "./theme";

function readStored(): string | null {
  try {
    return localStorage.getItem(THEME_STORAGE_KEY);
  } catch {
    return null;
  }
}

export class ThemeState {
  preference = $state<ThemePreference>(parseThemePreference(readStored()));
  systemPrefersDark = $state(true);
  theme: Theme = $derived(resolveTheme(this.preference, this.systemPrefersDark));

  /** Follows the OS scheme and keeps <html data-theme> in sync. Returns a stop function. */
  start(): () => void {
    const query = window.matchMedia("(prefers-color-scheme: dark)");
    this.systemPrefersDark = query.matches;
    const onChange = (e: MediaQueryListEvent) => (this.systemPrefersDark = e.matches);
    query.addEventListener("change", onChange);
    const stopEffect = $effect.root(() => {
      $effect(() => {
        document.documentElement.dataset.theme = this.theme;
        document.documentElement.style.colorScheme = this.theme;
      });
    });
    return () => {
      query.removeEventListener("change", onChange);
      stopEffect();
    };
  }

  cycle(): void {
    this.set(nextThemePreference(this.preference));
  }

  set(preference: ThemePreference): void {
    this.preference = preference;
    try {
      localStorage.setItem(THEME_STORAGE_KEY, preference);
    } catch {
      /* storage unavailable (private mode): the choice lasts for this run */
    }
  }
}
