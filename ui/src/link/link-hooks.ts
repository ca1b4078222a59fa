// `window.__mayalinkLink`: a read-only hook for the browser tests — the live link's view
// (running, and per Maya its mapping, figures and warnings) as the panel has it.
import type { LinkView } from "../bindings/LinkView";
import type { LinkState } from "./link-state.svelte";

export interface LinkHooks {
  view(): LinkView;
}

declare global {
  interface Window {
    __mayalinkLink?: LinkHooks;
  }
}

export function installLinkHooks(link: LinkState): () => void {
  if (typeof window === "undefined") return () => {};
  const hooks: LinkHooks = { view: () => link.view };
  window.__mayalinkLink = hooks;
  return () => {
    if (window.__mayalinkLink === hooks) delete window.__mayalinkLink;
  };
}
