// The transport of a browser page served by `mayalink serve`: the engine's command map
// and streams over one WebSocket at `<page's folder>/ws` (the folder carries the run's
// token). Messages: `{id, call, args}` → `{id, ok}` | `{id, err}`; `{id, subscribe}` →
// `{id, ok}` then `{sub: id, data}`; `{unsubscribe: id}`. What a browser cannot do
// natively has plain fallbacks: a path typed in a prompt instead of a file dialog.
import type { AppError } from "../bindings/AppError";
import { toAppError } from "./app-error";
import type { Transport } from "./transport";

interface Reply {
  id?: number | null;
  ok?: unknown;
  err?: AppError;
  sub?: number;
  data?: unknown;
}

const unreachable = (message: string): AppError => ({ code: "unreachable", message });

export async function createWebSocketTransport(url = socketUrl()): Promise<Transport> {
  const socket = new WebSocket(url);
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: AppError): void }>();
  const streams = new Map<number, (data: unknown) => void>();
  let nextId = 1;
  let closed: AppError | null = null;

  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(unreachable(`Could not reach mayalink serve at ${url}`));
  });
  socket.onmessage = (event) => {
    let reply: Reply;
    try {
      reply = JSON.parse(String(event.data)) as Reply;
    } catch {
      return;
    }
    if (typeof reply.sub === "number") {
      streams.get(reply.sub)?.(reply.data);
      return;
    }
    const waiting = typeof reply.id === "number" ? pending.get(reply.id) : undefined;
    if (!waiting) return;
    pending.delete(reply.id as number);
    if (reply.err) waiting.reject(toAppError(reply.err));
    else waiting.resolve(reply.ok ?? null);
  };
  socket.onclose = () => {
    closed = unreachable("The connection to mayalink serve closed: restart it and reload this page.");
    for (const waiting of pending.values()) waiting.reject(closed);
    pending.clear();
    streams.clear();
  };

  function send(message: Record<string, unknown>): Promise<unknown> {
    if (closed) return Promise.reject(closed);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, ...message }));
    });
  }

  return {
    kind: "browser",
    call: (command, args) => send({ call: command, args }) as never,
    async subscribe(stream, onMessage) {
      const id = nextId;
      // Registered before asking: the first message may follow the confirmation at once.
      streams.set(id, onMessage as (data: unknown) => void);
      try {
        await send({ subscribe: stream });
      } catch (error) {
        streams.delete(id);
        throw error;
      }
      return () => {
        if (streams.delete(id) && !closed) socket.send(JSON.stringify({ unsubscribe: id }));
      };
    },
    async openLogFolder(logDir) {
      throw { code: "invalid_input", message: `A browser cannot open folders: the logs are in ${logDir}` } satisfies AppError;
    },
    async pickOpenFile(_filters, title) {
      return askPath(`${title ?? "Open a file"} — its full path on the machine running Mayalink:`, "");
    },
    async pickSaveFile(defaultPath) {
      return askPath("Save as — the full path on the machine running Mayalink:", defaultPath);
    },
    async writeClipboard(text) {
      await navigator.clipboard.writeText(text);
    },
    // The page updates with the Mayalink installed on the machine running `mayalink serve`.
    updates: null,
  };
}

/** `<page's folder>/ws`, with ws: or wss: to match the page. */
export function socketUrl(href = location.href): string {
  const url = new URL("ws", href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.search = "";
  url.hash = "";
  return url.toString();
}

function askPath(message: string, initial: string): string | null {
  const answer = window.prompt(message, initial);
  return answer && answer.trim() ? answer.trim() : null;
}
