import {
  makeStagingDir,
  replaceDirAtomic,
  swapDir,
  writeFileAtomic,
  writeFileAtomicSync,
} from "../../src/project/atomic.ts";
import { assert, assertEquals, assertRejects } from "../support/assert.ts";
import { needs } from "../support/needs.ts";

const SLOW_WRITER = new URL("./support/slow_writer.ts", import.meta.url).pathname;
const names = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();

async function withTempDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("writes a new file and replaces an existing one, leaving no temp file", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/samuel.toml`;
    await writeFileAtomic(path, "one\n");
    assertEquals(await Deno.readTextFile(path), "one\n");
    await writeFileAtomic(path, new TextEncoder().encode("two\n"));
    assertEquals(await Deno.readTextFile(path), "two\n");
    writeFileAtomicSync(path, "three\n");
    assertEquals(await Deno.readTextFile(path), "three\n");
    await writeFileAtomic(path, async (f) => void await f.write(new TextEncoder().encode("four\n")));
    assertEquals(await Deno.readTextFile(path), "four\n");
    assertEquals(names(dir), ["samuel.toml"]);
  }));

Deno.test({
  ...needs(
    "keeps the replaced file's mode; an explicit mode wins",
    Deno.build.os === "windows" && "POSIX file modes and symlinks, not run on Windows",
  ),
  fn: () =>
    withTempDir(async (dir) => {
      const path = `${dir}/f`;
      await Deno.writeTextFile(path, "old");
      await Deno.chmod(path, 0o600);
      await writeFileAtomic(path, "new");
      assertEquals(Deno.statSync(path).mode! & 0o777, 0o600);
      await writeFileAtomic(path, "new", { mode: 0o640 });
      assertEquals(Deno.statSync(path).mode! & 0o777, 0o640);
    }),
});

Deno.test("a failure mid-write leaves the old file intact and no temp file behind", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/samuel.lock`;
    await Deno.writeTextFile(path, "OLD\n");
    await assertRejects(
      () =>
        writeFileAtomic(path, async (file) => {
          await file.write(new TextEncoder().encode("NEW HALF"));
          throw new Error("disk full");
        }),
      (e) => assertEquals((e as Error).message, "disk full"),
    );
    assertEquals(await Deno.readTextFile(path), "OLD\n");
    assertEquals(names(dir), ["samuel.lock"]);
  }));

Deno.test("a failing rename leaves the target as it was and no temp file behind", () =>
  withTempDir(async (dir) => {
    // Renaming a file over a non-empty folder fails on every OS.
    await Deno.mkdir(`${dir}/target`);
    await Deno.writeTextFile(`${dir}/target/keep`, "x");
    await assertRejects(() => writeFileAtomic(`${dir}/target`, "data"));
    assertEquals(names(dir), ["target"]);
    assertEquals(await Deno.readTextFile(`${dir}/target/keep`), "x");
  }));

Deno.test("a process killed mid-write leaves the old file; its temp file is swept by the next write", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/samuel.toml`;
    await Deno.writeTextFile(path, "OLD\n");
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", SLOW_WRITER, path],
      stdout: "piped",
    })
      .spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    while (!out.includes("HALF")) out += (await reader.read()).value ?? "";
    child.kill("SIGKILL");
    await child.status;
    reader.releaseLock();
    await child.stdout.cancel().catch(() => {});
    assertEquals(await Deno.readTextFile(path), "OLD\n");
    const leftovers = names(dir).filter((n) => n !== "samuel.toml");
    assertEquals(leftovers.length, 1);
    assert(leftovers[0].startsWith(`.samuel.toml.tmp-${child.pid}-`));
    await writeFileAtomic(path, "NEW\n");
    assertEquals(names(dir), ["samuel.toml"]);
    assertEquals(await Deno.readTextFile(path), "NEW\n");
  }));

Deno.test("swapDir: replaces a folder, rollback restores it, commit drops the backup", () =>
  withTempDir(async (dir) => {
    const final = `${dir}/plugins/hello`;
    await Deno.mkdir(final, { recursive: true });
    await Deno.writeTextFile(`${final}/v`, "1");

    const s1 = await makeStagingDir(final);
    await Deno.writeTextFile(`${s1}/v`, "2");
    const swap = await swapDir(s1, final);
    assertEquals(await Deno.readTextFile(`${final}/v`), "2");
    await swap.rollback();
    assertEquals(await Deno.readTextFile(`${final}/v`), "1");
    assertEquals(names(`${dir}/plugins`), ["hello"]);

    const s2 = await makeStagingDir(final);
    await Deno.writeTextFile(`${s2}/v`, "3");
    await replaceDirAtomic(s2, final);
    assertEquals(await Deno.readTextFile(`${final}/v`), "3");
    assertEquals(names(`${dir}/plugins`), ["hello"]);

    const removal = await swapDir(null, final);
    assertEquals(names(`${dir}/plugins`).length, 1);
    assert(names(`${dir}/plugins`)[0].startsWith(".old-hello-"));
    await removal.commit();
    assertEquals(names(`${dir}/plugins`), []);
  }));

Deno.test("swapDir: a failed rename restores the previous folder", () =>
  withTempDir(async (dir) => {
    const final = `${dir}/hello`;
    await Deno.mkdir(final);
    await Deno.writeTextFile(`${final}/v`, "1");
    await assertRejects(() => swapDir(`${dir}/does-not-exist`, final));
    assertEquals(await Deno.readTextFile(`${final}/v`), "1");
    assertEquals(names(dir), ["hello"]);
  }));

Deno.test("leftovers of a process killed mid-swap are repaired by the next staging", () =>
  withTempDir(async (dir) => {
    const dead = 2 ** 22 + 12345; // above Linux's default pid_max: never a live process
    await Deno.mkdir(`${dir}/.old-lost-plugin-${dead}-abc`);
    await Deno.writeTextFile(`${dir}/.old-lost-plugin-${dead}-abc/v`, "1");
    await Deno.mkdir(`${dir}/kept`);
    await Deno.mkdir(`${dir}/.old-kept-${dead}-def`);
    await Deno.mkdir(`${dir}/.staging-kept-${dead}-xyz`);
    await Deno.mkdir(`${dir}/.staging-mine-${Deno.pid}-xyz`);
    const staging = await makeStagingDir(`${dir}/new`);
    assertEquals(
      names(dir),
      [`.staging-mine-${Deno.pid}-xyz`, staging.split("/").pop()!, "kept", "lost-plugin"].sort(),
    );
    assertEquals(await Deno.readTextFile(`${dir}/lost-plugin/v`), "1");
  }));

Deno.test({
  ...needs(
    "a symlinked file is replaced at its real location and the link is kept",
    Deno.build.os === "windows" && "POSIX file modes and symlinks, not run on Windows",
  ),
  fn: () =>
    withTempDir(async (dir) => {
      await Deno.mkdir(`${dir}/dotfiles`);
      await Deno.writeTextFile(`${dir}/dotfiles/samuel.toml`, "old");
      await Deno.symlink(`${dir}/dotfiles/samuel.toml`, `${dir}/samuel.toml`);
      await writeFileAtomic(`${dir}/samuel.toml`, "new");
      assert(Deno.lstatSync(`${dir}/samuel.toml`).isSymlink);
      assertEquals(await Deno.readTextFile(`${dir}/dotfiles/samuel.toml`), "new");
      assertEquals(names(`${dir}/dotfiles`), ["samuel.toml"]);
    }),
});
