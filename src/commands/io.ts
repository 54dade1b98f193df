/** Streams a command writes to; injectable so tests can call commands directly. */
export interface CommandIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export const processIO = (): CommandIO => ({ stdout: process.stdout, stderr: process.stderr });
