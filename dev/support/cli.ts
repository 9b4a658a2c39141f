/** What the simulators' command lines share: whole-number settings, stopping, failing to start. */

/** A whole-number environment setting, or `fallback` when unset; anything else stops the start. */
export function wholeNumberSetting(
  name: string,
  raw: string | undefined,
  fallback: number,
): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name}: a whole number (got ${JSON.stringify(raw)})`);
  return Number(raw);
}

/** Ctrl-C or a TERM closes what was started, then exits (1 if closing failed). */
export function closeOnSignals(close: () => Promise<unknown>): void {
  const stop = () => {
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** Runs a command line's `main`; a failure to start is one line on stderr and exit code 1. */
export function runCli(what: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(
      `${what} failed to start: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(1);
  });
}
