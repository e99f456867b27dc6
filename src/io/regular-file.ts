// Opening a checkpoint's file safely: only regular files (a FIFO would block forever, /dev/zero
// never ends), checked with stat before opening and again on the open handle (opened
// non-blocking, so even a FIFO swapped in between cannot hang the open); reads of exact sizes.
import * as fs from "node:fs";
import * as path from "node:path";
import { ElegyCheckpointError } from "../errors";

function kindOf(stat: fs.Stats): string {
  if (stat.isFIFO()) return "a FIFO (named pipe)";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  if (stat.isDirectory()) return "a directory";
  if (stat.isSocket()) return "a socket";
  return "not a regular file";
}

function notRegular(file: string, stat: fs.Stats): ElegyCheckpointError {
  return new ElegyCheckpointError(
    `${file} is ${kindOf(stat)}, not a regular file. A checkpoint's files are regular files; refusing to read it (it could block or never end). ` +
      "Point to a folder written by model.save(dir).",
  );
}

export interface OpenedFile {
  handle: fs.promises.FileHandle;
  size: number;
}

/** Opens `file` for reading if it is a regular file; undefined when it does not exist. */
export async function openRegularFile(file: string): Promise<OpenedFile | undefined> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    if ((error as NodeJS.ErrnoException).code === "ENOTDIR") {
      // load("run/checkpoint.safetensors"): the path of a checkpoint's file where its folder belongs.
      const given = path.dirname(file);
      throw new ElegyCheckpointError(
        `${given} is a file, not a folder. Load the folder that model.save(dir) wrote: ${path.dirname(given)}.`,
      );
    }
    throw new ElegyCheckpointError(`Cannot read ${file}: ${(error as Error).message}.`);
  }
  if (!stat.isFile()) throw notRegular(file, stat);
  const handle = await fs.promises.open(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) throw notRegular(file, opened);
    if (opened.ino !== stat.ino || opened.dev !== stat.dev) throw new ElegyCheckpointError(`${file} was replaced while it was being opened; try again when nothing else writes the checkpoint.`);
    return { handle, size: opened.size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Reads exactly `length` bytes at `position` into `into` at `offset`. */
export async function readExactly(file: string, handle: fs.promises.FileHandle, into: Uint8Array, offset: number, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(into, offset + done, length - done, position + done);
    if (bytesRead === 0) throw new ElegyCheckpointError(`${file} became shorter while it was being read; try again when nothing else writes the checkpoint.`);
    done += bytesRead;
  }
}
