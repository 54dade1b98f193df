/**
 * One process on this machine, in its own session and process group, supervised (supervise.ts:
 * time limit, output cap, flood kill) with a clean environment, through the jail when the
 * backend has one. The outcome is plain data; it never throws for anything the process does
 * (crash, flood, hang) — only a failure to start is reported, as `spawnError`.
 */
import { execa } from 'execa';
import { JAIL_FAILED, type Jail, type Launch } from './jail.js';
import type { ProcessOutcome, ProcessSpec } from './specs.js';
import { killGroup, registerGroup, unregisterGroup } from './process-registry.js';
import { supervise } from './supervise.js';

export type { ProcessOutcome, ProcessSpec };



/**
 * How long the output pipes may stay open after the process itself has exited and its group was
 * killed: only something that left the group (a new session) can still hold them.
 */
const DRAIN_AFTER_EXIT_MS = 1000;

/** Runs `spec` here; through `jail` when given and the spec asks for it. */
export function runLocalProcess(spec: ProcessSpec, jail: Jail | undefined): Promise<ProcessOutcome> {
  return supervise(
    spec,
    async (onOutput) => {
      const launch: Launch | undefined = jail && spec.jail ? await jail.launch(spec.jail, spec) : undefined;
      let subprocess;
      try {
        subprocess = execa(launch?.file ?? spec.file, launch?.args ?? spec.args, {
          cwd: spec.cwd,
          env: spec.env,
          extendEnv: false,
          // A new session and process group, so the whole tree can be killed at once.
          detached: true,
          buffer: false,
          reject: false,
          stripFinalNewline: false,
          stdio: [spec.stdin !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe', ...(spec.fd3 ? [new Uint8Array(spec.fd3)] : [])],
          ...(spec.stdin !== undefined ? { input: spec.stdin } : {}),
        });
      } catch (err) {
        await launch?.finish();
        throw err;
      }
      const pid = subprocess.pid;
      if (pid !== undefined) registerGroup(pid);
      subprocess.stdout?.on('data', onOutput);
      subprocess.stderr?.on('data', onOutput);
      let exited = false;
      let drainTimer: NodeJS.Timeout | undefined;
      subprocess.once('exit', () => {
        exited = true;
        // The leader is gone: whatever it left in its group dies now. A background child that inherited
        // stdout would otherwise keep the pipes open, and the run would last until the wall-clock limit
        // and be reported as timed out although the process itself had finished.
        if (pid !== undefined) killGroup(pid);
        // A child that started its own session left the group, not the uid.
        launch?.killAll();
        drainTimer = setTimeout(() => {
          subprocess.stdout?.destroy();
          subprocess.stderr?.destroy();
        }, DRAIN_AFTER_EXIT_MS);
      });
      const done = (async () => {
        try {
          const result = await subprocess;
          if (result.failed && result.exitCode === undefined && result.signal === undefined && pid === undefined) {
            const cause = result.cause ?? result;
            return { code: null, signal: null, startError: cause instanceof Error ? cause.message : String(cause) };
          }
          return { code: result.exitCode ?? null, signal: result.signal ?? null };
        } finally {
          clearTimeout(drainTimer);
          if (pid !== undefined) {
            // Children left behind in the group (background goroutines' helpers, forks) die with it.
            killGroup(pid);
            unregisterGroup(pid);
          }
          await launch?.finish();
        }
      })();
      return {
        exited: done,
        running: () => !exited,
        kill: () => {
          if (pid !== undefined) killGroup(pid);
          launch?.killAll();
        },
      };
    },
    // dsgrade-jail could not start the program: that is a start failure, not the program's exit.
    (exit, output) => (jail && spec.jail && exit.code === JAIL_FAILED && output.startsWith('dsgrade-jail: ') ? output.trim() : undefined),
  );
}
