/**
 * The attempts both outer-wall tests make (tests/runtime/outer_wall_test.ts for the Worker wall,
 * process_wall_test.ts for the process wall): Deno APIs called directly, as a bug in our WASI host might,
 * each reported as `ok` with what it got or the error's class name (`NotCapable` is what the wall must
 * answer; module loading answers a `TypeError` "Requires read access to ...").
 */

export interface WallAttempt {
  name: string;
  op:
    | "read"
    | "write"
    | "append"
    | "mkdir"
    | "remove"
    | "rename"
    | "symlink"
    | "stat"
    | "readDir"
    | "fetch"
    | "connect"
    | "env"
    | "envObject"
    | "command"
    | "dlopen"
    | "import"
    | "hostname";
  path?: string;
  to?: string;
  url?: string;
  port?: number;
}

export interface WallOutcome {
  name: string;
  result: string;
  detail?: string;
}

async function attempt(a: WallAttempt): Promise<string> {
  switch (a.op) {
    case "read":
      return `ok:${Deno.readTextFileSync(a.path!).slice(0, 200)}`;
    case "write":
      Deno.writeTextFileSync(a.path!, "PWNED");
      return "ok";
    case "append":
      Deno.writeTextFileSync(a.path!, "PWNED", { append: true });
      return "ok";
    case "mkdir":
      Deno.mkdirSync(a.path!);
      return "ok";
    case "remove":
      Deno.removeSync(a.path!);
      return "ok";
    case "rename":
      Deno.renameSync(a.path!, a.to!);
      return "ok";
    case "symlink":
      Deno.symlinkSync(a.to!, a.path!);
      return "ok";
    case "stat":
      return `ok:${Deno.statSync(a.path!).size}`;
    case "readDir":
      return `ok:${[...Deno.readDirSync(a.path!)].map((e) => e.name).join(",")}`;
    case "fetch": {
      const r = await fetch(a.url!);
      return `ok:${r.status}:${await r.text()}`;
    }
    case "connect": {
      const c = await Deno.connect({ hostname: "127.0.0.1", port: a.port! });
      c.close();
      return "ok";
    }
    case "env":
      return `ok:${Deno.env.get("PATH")}`;
    case "envObject":
      return `ok:${Object.keys(Deno.env.toObject()).length}`;
    case "command": {
      const out = new Deno.Command("/bin/cat", { args: ["/etc/passwd"] }).outputSync();
      return `ok:${new TextDecoder().decode(out.stdout).slice(0, 50)}`;
    }
    case "dlopen":
      Deno.dlopen("libc.so.6", {});
      return "ok";
    case "import":
      await import(a.path!);
      return "ok";
    case "hostname":
      return `ok:${Deno.hostname()}`;
  }
}

/** Runs each attempt in order; never throws. */
export async function attemptAll(attempts: WallAttempt[]): Promise<WallOutcome[]> {
  const out: WallOutcome[] = [];
  for (const a of attempts) {
    try {
      out.push({ name: a.name, result: await attempt(a) });
    } catch (e) {
      const err = e as Error;
      out.push({ name: a.name, result: err.name ?? String(e), detail: err.message });
    }
  }
  return out;
}

/** Whether an outcome is the wall's refusal. */
export function isRefusal(r: WallOutcome): boolean {
  return r.result === "NotCapable" ||
    (r.result === "TypeError" && /^Requires \w+ access/.test(r.detail ?? ""));
}
