/**
 * Whether the Docker tests can run: an engine must answer. On a laptop without one they skip
 * with a message; in CI (CI=true) a missing engine is a failure, so the tests can never be
 * silently skipped there.
 */
import { DockerodeRuntime } from '../../src/sandbox/docker/dockerode-runtime.js';

export async function dockerAvailable(): Promise<boolean> {
  try {
    await new DockerodeRuntime().info();
    return true;
  } catch (err) {
    if (process.env.CI === 'true') throw new Error(`CI=true but no Docker engine answers: ${(err as Error).message}`);
    console.warn(`\n[docker tests] SKIPPED: no Docker engine answers (${(err as Error).message}). Start one (dockerd) to run them.\n`);
    return false;
  }
}
