// Calls the app's commands through the generated bindings and turns their errors into translated messages.
import { commands, type AppError } from "../../../gen/bindings";
import { t, type Key } from "./i18n.svelte";

export { commands };
export type * from "../../../gen/bindings";

type Res<T> = { status: "ok"; data: T } | { status: "error"; error: AppError };

/** An error answered by a command, kept typed so that screens can branch on `error.type`. */
export class CommandError extends Error {
  constructor(public readonly error: AppError) {
    super(error.type);
  }
}

/** Awaits a command and returns its value, or throws a CommandError. */
export async function call<T>(pending: Promise<Res<T>>): Promise<T> {
  const r = await pending;
  if (r.status === "ok") return r.data;
  throw new CommandError(r.error);
}

/** What the user reads about an error. */
export function errorText(e: unknown): string {
  if (e instanceof CommandError) {
    const err = e.error as { type: string; data?: unknown };
    const data = err.data;
    const params: Record<string, string> =
      data && typeof data === "object" ? (data as Record<string, string>) : { detail: String(data ?? "") };
    return t(`err.${err.type}` as Key, params);
  }
  return t("err.Internal", { detail: e instanceof Error ? e.message : String(e) });
}

export function isError(e: unknown, type: AppError["type"]): boolean {
  return e instanceof CommandError && e.error.type === type;
}
