/**
 * A real small file system for storage-failure tests: a tmpfs of a few MiB mounted on a temp
 * directory, that a test fills to the last byte (the store's writes then fail as on a full
 * disk) or remounts read-only. chmod cannot stand in: root writes through it. Mounting needs
 * root (CAP_SYS_ADMIN): `canMountSmallDisk` says whether this machine lets the tests run.
 */

async function run(cmd: string, args: string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output();
    return out.success;
  } catch {
    return false;
  }
}

export type SmallDisk = {
  dir: string;
  /** Writes a filler file until the disk has no byte left. */
  fill(): Promise<void>;
  /** Removes the filler: the space is back. */
  free(): Promise<void>;
  /** Remounts read-only (existing files stay readable) or read-write again. */
  readOnly(on: boolean): Promise<void>;
  unmount(): Promise<void>;
};

export async function mountSmallDisk(sizeBytes: number): Promise<SmallDisk> {
  const dir = await Deno.makeTempDir({ prefix: "hearth-small-disk-" });
  if (!await run("mount", ["-t", "tmpfs", "-o", `size=${sizeBytes}`, "tmpfs", dir])) {
    await Deno.remove(dir);
    throw new Error("could not mount a tmpfs (root is needed)");
  }
  const filler = `${dir}/filler`;
  return {
    dir,
    async fill() {
      const file = await Deno.open(filler, { create: true, append: true });
      try {
        for (const size of [1 << 20, 1 << 16, 4096, 512, 1]) {
          const block = new Uint8Array(size);
          for (;;) {
            try {
              await file.write(block);
            } catch {
              break;
            }
          }
        }
      } finally {
        file.close();
      }
    },
    async free() {
      await Deno.remove(filler).catch(() => {});
    },
    async readOnly(on) {
      if (!await run("mount", ["-o", `remount,${on ? "ro" : "rw"}`, dir])) {
        throw new Error(`could not remount ${dir} ${on ? "read-only" : "read-write"}`);
      }
    },
    async unmount() {
      await run("umount", ["-l", dir]);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** Whether this machine lets a test mount a tmpfs (root in a container that allows it). */
export const canMountSmallDisk: boolean = await (async () => {
  if (Deno.build.os !== "linux") return false;
  try {
    const disk = await mountSmallDisk(64 * 1024);
    await disk.unmount();
    return true;
  } catch {
    return false;
  }
})();
