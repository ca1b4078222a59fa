// Copying text for the user: the async Clipboard API when the webview allows it, else the
// text is selected in a visible field (with a last try of execCommand("copy")) so a plain
// Ctrl+C finishes the job.

export type CopyOutcome = "copied" | "selected";

export interface CopyEnvironment {
  clipboard?: { writeText(text: string): Promise<void> } | undefined;
  execCopy?: () => boolean;
}

let preferredWriter: ((text: string) => Promise<void>) | null = null;

/**
 * Copies through this writer first (the app sets the backend's clipboard: Tauri's clipboard
 * plugin in the app), falling back to the Clipboard API and then to selecting the text.
 */
export function setClipboardWriter(writer: ((text: string) => Promise<void>) | null): void {
  preferredWriter = writer;
}

function defaultEnvironment(): CopyEnvironment {
  const browser = typeof navigator !== "undefined" ? navigator.clipboard : undefined;
  const writer = preferredWriter;
  return {
    clipboard: writer
      ? {
          async writeText(text: string) {
            try {
              await writer(text);
            } catch (error) {
              if (!browser) throw error;
              await browser.writeText(text);
            }
          },
        }
      : browser,
    execCopy: () => {
      try {
        return typeof document !== "undefined" && document.execCommand("copy");
      } catch {
        return false;
      }
    },
  };
}

/**
 * Copies `text`. When the Clipboard API is missing or refuses, selects the text in
 * `fallbackField` (an input, a textarea or any element showing the same text) and tries
 * execCommand.
 */
export async function copyText(
  text: string,
  fallbackField: HTMLElement | null,
  env: CopyEnvironment = defaultEnvironment(),
): Promise<CopyOutcome> {
  if (env.clipboard) {
    try {
      await env.clipboard.writeText(text);
      return "copied";
    } catch {
      /* permission denied or no secure context: fall back */
    }
  }
  if (fallbackField) {
    selectContents(fallbackField);
    if (env.execCopy?.()) return "copied";
  }
  return "selected";
}

type TextField = HTMLElement & { select(): void };

function selectContents(element: HTMLElement): void {
  if (typeof (element as Partial<TextField>).select === "function") {
    element.focus();
    (element as TextField).select();
    return;
  }
  const selection = window.getSelection();
  selection?.removeAllRanges();
  selection?.selectAllChildren(element);
}
