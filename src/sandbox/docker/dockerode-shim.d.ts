// The part of dockerode 5's API that dsgrade uses (dockerode ships no types of its own). Only
// src/sandbox/docker/dockerode-runtime.ts imports it; everything else sees ContainerRuntime.
declare module 'dockerode' {
  import type { Duplex, Readable, Writable } from 'node:stream';

  interface Modem {
    demuxStream(stream: Readable, stdout: Writable, stderr: Writable): void;
    socketPath?: string;
  }
  interface Exec {
    id: string;
    start(opts: { hijack?: boolean; stdin?: boolean; Detach?: boolean }): Promise<Duplex>;
    inspect(): Promise<{ Running: boolean; ExitCode: number | null; Pid: number }>;
  }
  interface Container {
    id: string;
    start(): Promise<unknown>;
    attach(opts: { stream: boolean; stdin?: boolean; stdout?: boolean; stderr?: boolean; hijack?: boolean }): Promise<Duplex>;
    wait(opts?: { condition?: 'not-running' | 'next-exit' | 'removed' }): Promise<{ StatusCode: number }>;
    inspect(): Promise<{ Id: string; State: { Pid: number; Running: boolean; ExitCode: number; OOMKilled: boolean }; Config: { Labels: Record<string, string> } }>;
    remove(opts?: { force?: boolean; v?: boolean }): Promise<unknown>;
    kill(opts?: { signal?: string }): Promise<unknown>;
    exec(opts: Record<string, unknown>): Promise<Exec>;
  }
  interface Image {
    inspect(): Promise<{ Id: string; Config: { Labels: Record<string, string> | null; Env: string[] | null } }>;
    remove(opts?: { force?: boolean }): Promise<unknown>;
  }
  interface Volume {
    remove(): Promise<unknown>;
  }
  interface Network {
    remove(): Promise<unknown>;
  }
  interface ListFilter {
    all?: boolean;
    filters?: string;
  }
  class Docker {
    constructor(opts?: { socketPath?: string; host?: string; port?: number; protocol?: string });
    modem: Modem;
    ping(): Promise<unknown>;
    version(): Promise<{ Version: string; ApiVersion: string; Os: string; Arch: string }>;
    createContainer(opts: Record<string, unknown>): Promise<Container>;
    getContainer(id: string): Container;
    getImage(name: string): Image;
    getVolume(name: string): Volume;
    getExec(id: string): Exec;
    getNetwork(id: string): Network;
    listContainers(opts?: ListFilter): Promise<{ Id: string; Names: string[]; Image: string; State: string; Labels: Record<string, string> }[]>;
    listNetworks(opts?: ListFilter): Promise<{ Id: string; Name: string; Labels: Record<string, string> | null }[]>;
    listVolumes(opts?: ListFilter): Promise<{ Volumes: { Name: string; Labels: Record<string, string> | null }[] | null }>;
    listImages(opts?: ListFilter): Promise<{ Id: string; RepoTags: string[] | null; Labels: Record<string, string> | null }[]>;
    buildImage(context: Readable, opts: Record<string, unknown>): Promise<Readable>;
  }
  export default Docker;
}
