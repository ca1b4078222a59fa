import { describe, expect, it } from "vitest";
import { detectOs, isModKey, keys } from "./platform-keys";

describe("platform keys", () => {
  it("tells the OS from the browser's platform and user agent", () => {
    expect(detectOs({ platform: "MacIntel", userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5)" })).toBe("macos");
    expect(detectOs({ platform: "Win32", userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64)" })).toBe("windows");
    expect(detectOs({ platform: "Linux x86_64", userAgent: "Mozilla/5.0 (X11; Linux x86_64)" })).toBe("linux");
    expect(detectOs({ userAgent: "Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15" })).toBe("macos");
    expect(detectOs(undefined)).toBe("linux");
  });

  it("writes shortcuts the way each platform does", () => {
    expect(keys("Mod+Enter", "macos")).toBe("⌘Enter");
    expect(keys("Mod+Shift+Enter", "macos")).toBe("⇧⌘Enter");
    expect(keys("Shift+Enter", "macos")).toBe("⇧Enter");
    expect(keys("Mod+C", "macos")).toBe("⌘C");
    expect(keys("Mod+Enter", "windows")).toBe("Ctrl+Enter");
    expect(keys("Mod+Shift+Enter", "linux")).toBe("Ctrl+Shift+Enter");
    expect(keys("Mod+1", "linux")).toBe("Ctrl+1");
  });

  it("takes Cmd on a Mac and Ctrl elsewhere, not both", () => {
    const cmd = { ctrlKey: false, metaKey: true };
    const ctrl = { ctrlKey: true, metaKey: false };
    expect(isModKey(cmd, "macos")).toBe(true);
    expect(isModKey(ctrl, "macos")).toBe(false);
    expect(isModKey(ctrl, "windows")).toBe(true);
    expect(isModKey(cmd, "linux")).toBe(false);
  });
});
