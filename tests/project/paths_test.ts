import {
  basename,
  dirname,
  findProjectRoot,
  homePaths,
  join,
  pluginDir,
  projectPaths,
  projectRoot,
  samuelHome,
} from "../../src/project/paths.ts";
import { assertEquals } from "../support/assert.ts";

Deno.test("path helpers", () => {
  assertEquals(join("/a/", "/b", "c"), "/a/b/c");
  assertEquals(dirname("/a/b/c"), "/a/b");
  assertEquals(dirname("/a/b/"), "/a");
  assertEquals(dirname("/a"), "/");
  assertEquals(dirname("/"), "/");
  if (Deno.build.os === "windows") {
    assertEquals(dirname("C:\\x\\y"), "C:\\x");
    assertEquals(dirname("C:\\x"), "C:\\");
  } else {
    // A backslash is an ordinary file-name character on POSIX.
    assertEquals(basename("/a/b\\c"), "b\\c");
  }
  assertEquals(basename("/a/b.toml"), "b.toml");
});

Deno.test("project root: nearest samuel.toml upward, else the folder itself", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    await Deno.mkdir(`${dir}/proj/src/deep`, { recursive: true });
    assertEquals(findProjectRoot(`${dir}/proj/src/deep`), undefined);
    assertEquals(projectRoot(`${dir}/proj/src/deep`), `${dir}/proj/src/deep`);
    await Deno.writeTextFile(`${dir}/proj/samuel.toml`, "");
    assertEquals(findProjectRoot(`${dir}/proj/src/deep`), `${dir}/proj`);
    assertEquals(projectRoot(`${dir}/proj/src/deep/`), `${dir}/proj`);
    assertEquals(projectRoot(`${dir}/proj`), `${dir}/proj`);
    // A folder named samuel.toml is not a project file.
    await Deno.mkdir(`${dir}/proj/src/samuel.toml`);
    assertEquals(findProjectRoot(`${dir}/proj/src/deep`), `${dir}/proj`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("project and home layouts", () => {
  const p = projectPaths("/p");
  assertEquals(p, {
    root: "/p",
    config: "/p/samuel.toml",
    lockfile: "/p/samuel.lock",
    stateDir: "/p/.samuel",
    stateGitignore: "/p/.samuel/.gitignore",
    mutationLock: "/p/.samuel/lock",
    pluginsDir: "/p/.samuel/plugins",
  });
  assertEquals(pluginDir("/p", "hello"), "/p/.samuel/plugins/hello");
  const env = (vars: Record<string, string>) => (k: string) => vars[k];
  assertEquals(samuelHome(env({ SAMUEL_HOME: "/opt/sam", HOME: "/home/u" })), "/opt/sam");
  assertEquals(samuelHome(env({ HOME: "/home/u" })), "/home/u/.samuel");
  assertEquals(samuelHome(env({ USERPROFILE: "/users/u" })), "/users/u/.samuel");
  assertEquals(homePaths("/h"), {
    home: "/h",
    cache: "/h/cache",
    wasmCache: "/h/cache/wasm",
    wasmModules: "/h/cache/wasm/modules",
    registries: "/h/cache/registries",
    sigstore: "/h/cache/sigstore",
  });
});
