/**
 * `--base-image`: build and run in an image the user names instead of the ones dsgrade builds.
 *
 * No registry can be reached here, so the base is made the way a user without one would make it:
 * a local image shaped like the official golang images (Go under /usr/local/go, GOLANG_VERSION
 * set), built FROM dsgrade's own toolchain image with a distinct GOLANG_VERSION so the test can
 * tell which image did the work. Also: a base image that is not present is a precise error that
 * says dsgrade never pulls.
 */
import { execa } from 'execa';
import os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { findGo } from '../../src/go/go-env.js';
import { isDsgradeError } from '../../src/errors.js';
import { loadManifest } from '../../src/manifest/load.js';
import { gradeSubmission } from '../../src/pipeline/grade.js';
import { DockerodeRuntime } from '../../src/sandbox/docker/dockerode-runtime.js';
import { ensureImages } from '../../src/sandbox/docker/images.js';
import { OWNER_LABEL, managedFilter } from '../../src/sandbox/docker/labels.js';
import { dockerAvailable } from './engine.js';

const available = await dockerAvailable();
const TAG = `dsgrade-test-golang:base-${process.pid}`;

afterAll(async () => {
  if (available) await execa('docker', ['rmi', '-f', TAG], { reject: false });
});

describe.skipIf(!available)('docker --base-image', () => {
  it('grades in a golang-shaped local image: Go taken from the image, the same verdicts, nothing left behind', async () => {
    const runtime = new DockerodeRuntime();
    const hostGo = await findGo();
    const own = await ensureImages({ runtime, hostGo });
    const probeVersion = `${hostGo.version.replace(/^go/, '')}-basetest`;
    await execa('docker', ['build', '-q', '-t', TAG, '-'], { input: `FROM ${own.toolchain}\nENV GOLANG_VERSION=${probeVersion}\n` });

    const project = await loadManifest('projects/p0-kvserver');
    const only = ['build', 'check/*', 'partA/TestBasic1', 'partA/TestSlowClient1', 'scenarios/close-stops-listening'];
    const report = await gradeSubmission({ project, submission: project.manifest.reference!, seed: 7, only, backend: 'docker', docker: { baseImage: TAG } });
    expect(report.versions.go).toBe(`go${probeVersion}`);
    expect(report.tests.map((t) => `${t.id} ${t.verdict}`).filter((l) => !l.endsWith(' passed'))).toEqual([]);
    expect(report.tests.length).toBeGreaterThanOrEqual(5);
    expect(report.score).toBe(report.maxScore);

    const mine = `${os.hostname()}:${process.pid}`;
    const left = (await runtime.list(managedFilter())).filter((r) => r.labels[OWNER_LABEL] === mine);
    expect(left.map((r) => `${r.kind} ${r.name}`)).toEqual([]);
  });

  it('a base image that is not on this machine: a precise error naming how to get it', async () => {
    const project = await loadManifest('projects/p0-kvserver');
    const missing = 'dsgrade-test-golang:not-here';
    const err = await gradeSubmission({ project, submission: project.manifest.reference!, seed: 7, only: ['build'], backend: 'docker', docker: { baseImage: missing } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isDsgradeError(err)).toBe(true);
    expect(String((err as Error).message)).toContain(`base image not found: ${missing}`);
    expect(JSON.stringify(err)).toContain('dsgrade never pulls');
  });
});
