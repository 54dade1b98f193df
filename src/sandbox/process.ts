/**
 * One process on this machine, in its own session and process group, supervised (supervise.ts:
 * time limit, output cap, flood kill) with a clean environment, through the jail when the
 * backend has one. The outcome is plain data; it never throws for anything the process does
 * (crash, flood, hang) — only a failure to start is reported, as `spawnError`.
 *
 * Student code runs under the supervising jail (jail-report.ts): the jail is the process dsgrade
 * starts, the program its child in a session of its own. Kills go to the program's group (and
 * uid); the jail then kills whatever the program left anywhere, reports the tree's CPU time and
 * peak RSS and exits with the program's status.
 */
import { execa } from 'execa';
import type { Readable } from 'node:stream';
import { JAIL_FAILED, type Jail, type Launch } from './jail.js';
import { programStatus, readJailReport, type JailReport } from './jail-report.js';
import type { ProcessOutcome, ProcessSpec } from './specs.js';
import { killGroup, registerGroup, unregisterGroup } from './process-registry.js';
import { supervise } from './supervise.js';

export type { ProcessOutcome, ProcessSpec };

/**
 * How long the output pipes may stay open after the process itself has exited and its group was
 * killed: only something that left the group (a new session) can still hold them.
 */
const DRAIN_AFTER_EXIT_MS = 1000;

/**
 * How long the supervising jail may take to kill and reap the program's tree after a kill before
 * its own group is killed too (the report is then lost; the jail itself gives up after 5 s).
 */
const JAIL_EXIT_GRACE_MS = 7000;

/** Runs `spec` here; through `jail` when given and the spec asks for it. */
export function runLocalProcess(spec: ProcessSpec, jail: Jail | undefined): Promise<ProcessOutcome> {
  return supervise(
    spec,
    async (onOutput) => {
      const launch: Launch | undefined = jail && spec.jail ? await jail.launch(spec.jail, spec) : undefined;
      const fd3 = spec.fd3 ? new Uint8Array(spec.fd3) : launch?.reportFd ? ('ignore' as const) : undefined;
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
          stdio: [spec.stdin !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe', ...(fd3 !== undefined ? [fd3] : []), ...(launch?.reportFd ? ['pipe' as const] : [])],
          ...(spec.stdin !== undefined ? { input: spec.stdin } : {}),
        });
      } catch (err) {
        await launch?.finish();
        throw err;
      }
      const pid = subprocess.pid;
      if (pid !== undefined) registerGroup(pid);
      // Listen before anything is awaited: what the program prints first (its init) may arrive
      // while the jail's report is awaited below, and a chunk emitted with no listener is lost.
      subprocess.stdout?.on('data', onOutput);
      subprocess.stderr?.on('data', onOutput);
      const report: JailReport | undefined = launch?.reportFd && pid !== undefined ? readJailReport(subprocess.stdio[launch.reportFd] as Readable) : undefined;
      // The program's own group (the jail's child), once the jail has named it.
      const program = report ? await report.pid : undefined;
      if (program !== undefined) registerGroup(program);
      let exited = false;
      let drainTimer: NodeJS.Timeout | undefined;
      let graceTimer: NodeJS.Timeout | undefined;
      const killProgram = (): void => {
        if (program !== undefined) killGroup(program);
        // A child that started its own session left the group, not the uid.
        launch?.killAll();
      };
      subprocess.once('exit', () => {
        exited = true;
        clearTimeout(graceTimer);
        // The leader is gone: whatever it left in its group dies now. A background child that inherited
        // stdout would otherwise keep the pipes open, and the run would last until the wall-clock limit
        // and be reported as timed out although the process itself had finished.
        if (pid !== undefined) killGroup(pid);
        killProgram();
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
          // The jail's report says how the program itself ended; the jail's own status is the fallback.
          const reported = await report?.final;
          if (reported) return { ...reported.exit, ...(reported.usage ? { usage: reported.usage } : {}) };
          return report ? programStatus(result.exitCode ?? null, result.signal ?? null) : { code: result.exitCode ?? null, signal: result.signal ?? null };
        } finally {
          clearTimeout(drainTimer);
          if (pid !== undefined) {
            // Children left behind in the group (background goroutines' helpers, forks) die with it.
            killGroup(pid);
            unregisterGroup(pid);
          }
          if (program !== undefined) {
            killGroup(program);
            unregisterGroup(program);
          }
          await launch?.finish();
        }
      })();
      return {
        exited: done,
        running: () => !exited,
        kill: () => {
          if (program === undefined) {
            if (pid !== undefined) killGroup(pid);
            launch?.killAll();
            return;
          }
          // The program's tree first, so the jail can still report what it used; the jail itself
          // only if it does not finish in time.
          killProgram();
          graceTimer ??= setTimeout(() => {
            if (pid !== undefined) killGroup(pid);
          }, JAIL_EXIT_GRACE_MS);
        },
      };
    },
    // dsgrade-jail could not start the program: that is a start failure, not the program's exit.
    (exit, output) => (jail && spec.jail && exit.code === JAIL_FAILED && output.startsWith('dsgrade-jail: ') ? output.trim() : undefined),
  );
}
