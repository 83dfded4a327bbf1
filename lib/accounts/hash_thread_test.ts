import assert from "node:assert/strict";
import { getPriority } from "node:os";
import { ARGON2_PARAMS, argon2idBits } from "./argon2.ts";
import { HASH_NICE, HashThread } from "./hash_thread.ts";
import { passwordHashingThread } from "./passwords.ts";

/**
 * Argon2id of "password" with salt "somesalt", m=64 MiB, t=2, p=1, 32 bytes: the reference
 * implementation's test vector (phc-winner-argon2, src/test.c).
 */
const REFERENCE = {
  params: { memoryKiB: 65536, iterations: 2, parallelism: 1 },
  hex: "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7",
};
const somesalt = () => new TextEncoder().encode("somesalt");

Deno.test("the hashing thread and the main-thread fallback derive the reference Argon2id bytes", async () => {
  const thread = await passwordHashingThread();
  assert.ok(thread?.alive, "the hashing thread runs");
  assert.equal(
    (await argon2idBits("password", somesalt(), REFERENCE.params)).toHex(),
    REFERENCE.hex,
  );
  assert.equal(
    (await thread.derive("password", somesalt(), REFERENCE.params)).toHex(),
    REFERENCE.hex,
  );
});

/**
 * CPU time (clock ticks, 10 ms) and nice value of each of these threads of this process
 * (proc(5)). Only threads known to be alive are read: under --parallel other modules' threads
 * start and end all the time, and one listed in /proc/self/task can be gone (NotFound, or
 * "No such process") by the time its stat is read.
 */
function threads(ids: number[]): Map<number, { cpu: number; nice: number }> {
  const out = new Map<number, { cpu: number; nice: number }>();
  for (const id of ids) {
    const stat = Deno.readTextFileSync(`/proc/self/task/${id}/stat`);
    // Fields after "(comm) ": state is field 3, utime 14, stime 15, nice 19.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    out.set(id, { cpu: Number(f[11]) + Number(f[12]), nice: Number(f[16]) });
  }
  return out;
}

Deno.test({
  name: "derivations run on a thread at the lowest CPU priority; the main thread keeps its own",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const thread = (await passwordHashingThread())!;
    assert.equal(thread.priority, HASH_NICE, "the thread reads back the priority it set");
    assert.equal(getPriority(0), 0, "the main thread keeps its priority");
    const salt = crypto.getRandomValues(new Uint8Array(16));
    await thread.derive("warm up", salt, ARGON2_PARAMS); // WebAssembly compiled, memory grown
    // Under --parallel other test modules run on threads of this same process, so the thread
    // to watch is the one the worker names, and the one to compare it with is this test's own.
    const own = Number(Deno.readTextFileSync("/proc/thread-self/stat").split(" ", 1)[0]);
    const tid = thread.tid!;
    assert.ok(Number.isInteger(tid), "the worker names its thread");
    assert.notEqual(tid, Deno.pid, "the hashing thread is not the process's main thread");
    assert.notEqual(tid, own, "nor this test's thread");
    const watched = [tid, own, Deno.pid];
    const before = threads(watched);
    let after = before, derivations = 0;
    const used = (id: number) => after.get(id)!.cpu - before.get(id)!.cpu;
    // Three derivations at least, and on until the hashing thread has spent 30 ticks (~3
    // derivations here; more on a faster machine), so that the comparison below is not
    // decided by a tick rounded away on either side or a few ticks of this thread's own.
    while (derivations < 3 || (used(tid) < 30 && derivations < 30)) {
      await thread.derive("which thread works?", salt, ARGON2_PARAMS);
      derivations++;
      after = threads(watched);
    }
    assert.equal(after.get(tid)?.nice, HASH_NICE, "the hashing thread runs at the lowest priority");
    assert.ok(used(tid) > 0, "the hashing thread did the work");
    assert.ok(
      used(tid) > used(own),
      `${derivations} derivations cost the hashing thread ${used(tid)} ticks, this thread ${
        used(own)
      }`,
    );
    assert.equal(after.get(own)?.nice, 0, "this thread keeps its priority");
    assert.equal(after.get(Deno.pid)?.nice, 0);
  },
});

Deno.test("a stopped hashing thread refuses work", async () => {
  const thread = (await HashThread.start())!;
  const bits = await thread.derive("password", somesalt(), { ...ARGON2_PARAMS, iterations: 1 });
  const expected = await argon2idBits("password", somesalt(), { ...ARGON2_PARAMS, iterations: 1 });
  assert.equal(bits.toHex(), expected.toHex());
  await thread.stop();
  assert.equal(thread.alive, false);
  await assert.rejects(thread.derive("password", somesalt(), ARGON2_PARAMS), /not running/);
});

/** Runs a script that verifies a password through passwords.ts with `flags`; what it said. */
async function verifyWith(flags: string[]): Promise<{ result: unknown; said: string }> {
  const dir = await Deno.makeTempDir();
  try {
    const script = `${dir}/verify.ts`;
    const passwords = JSON.stringify(new URL("./passwords.ts", import.meta.url).href);
    const config = new URL("../../deno.json", import.meta.url).pathname;
    await Deno.writeTextFile(
      script,
      `import { hashPassword, passwordHashingThread, verifyPassword } from ${passwords};
      const ok = await verifyPassword("right", await hashPassword("right"));
      const priority = (await passwordHashingThread())?.priority;
      console.log(JSON.stringify({ ok, priority }));`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "--no-check", `--config=${config}`, ...flags, script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const said = stdout + new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, said);
    return { result: JSON.parse(stdout.trim().split("\n").at(-1)!), said };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name:
    "the thread's priority needs only --allow-sys; without it passwords hash at normal priority, said quietly",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const narrow = await verifyWith(["--allow-read", "--allow-sys=setPriority,getPriority"]);
    assert.deepEqual(narrow.result, { ok: true, priority: HASH_NICE });
    assert.doesNotMatch(narrow.said, /normal priority/);
    // Read access to the code only (the README's least-privilege flags have no --allow-sys).
    const least = await verifyWith(["--allow-read"]);
    assert.deepEqual(least.result, { ok: true, priority: null });
    assert.match(
      least.said,
      /password hashing at normal priority \(lowering it needs --allow-sys\)/,
    );
    assert.doesNotMatch(least.said, /NotCapable|PermissionDenied/);
  },
});

Deno.test("a hashing thread that exits or hangs before it is ready is given up on", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const silent = `${dir}/silent.ts`;
    const hung = `${dir}/hung.ts`;
    await Deno.writeTextFile(silent, "// ends at once, without a word\n");
    await Deno.writeTextFile(hung, "await new Promise(() => {});\n");
    // The silent one must be given up on as it exits (its wait would outlast the test).
    for (const [file, readyMs] of [[silent, 600_000], [hung, 200]] as const) {
      const thread = await HashThread.start({ script: new URL(`file://${file}`), readyMs });
      assert.equal(thread, undefined, file);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
