import { describe, expect, it } from "vitest";
import { DEFAULT_THEME_PREFERENCE, nextThemePreference, parseThemePreference, resolveTheme } from "./theme";

describe("theme", () => {
  it("is dark by default", () => {
    expect(DEFAULT_THEME_PREFERENCE).toBe("dark");
    expect(parseThemePreference(null)).toBe("dark");
    expect(parseThemePreference("purple")).toBe("dark");
  });

  it("resolves explicit choices and follows the OS for 'system'", () => {
    expect(resolveTheme("dark", false)).toBe("dark");
    expect(resolveTheme("light", true)).toBe("light");
    expect(resolveTheme("system", true)).toBe("dark");
    expect(resolveTheme("system", false)).toBe("light");
  });

  it("cycles dark → light → system → dark", () => {
    expect(nextThemePreference("dark")).toBe("light");
    expect(nextThemePreference("light")).toBe("system");
    expect(nextThemePreference("system")).toBe("dark");
  });

  it("restores a stored choice", () => {
    expect(parseThemePreference("light")).toBe("light");
    expect(parseThemePreference("system")).toBe("system");
  });
});
