/** The Go toolchain a go command runs: this machine's, or the one inside a Docker image. */
export interface GoToolchain {
  /** Absolute path of the go binary. */
  go: string;
  goroot: string;
  /** e.g. "go1.26.8". */
  version: string;
}
