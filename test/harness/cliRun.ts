// Runs a CLI's exported `main` in this process, as its `require.main` wiring would (cli/args.ts):
// the exit code it returns and what it printed through console.log and console.error.

/** Runs `main(argv)` with `env` added to the environment; its exit code and what it printed. */
export async function runMain(
  main: (argv: string[]) => Promise<number>,
  argv: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { log: console.log, error: console.error, env: { ...process.env } };
  console.log = (...a: unknown[]) => out.push(a.join(" "));
  console.error = (...a: unknown[]) => err.push(a.join(" "));
  Object.assign(process.env, env);
  try {
    return { code: await main(argv), out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = saved.log;
    console.error = saved.error;
    process.env = saved.env;
  }
}
