/**
 * The run uids of the jail: a pool per base uid shared by every grading run in this process, and
 * locked against other dsgrade processes on the machine by a lock file per uid holding its owner's pid.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** The run uids of one base uid (`dsgrade batch` grades several submissions at once in one process). */
export class UidPool {
  private readonly free: number[] = [];
  private readonly waiting: ((uid: number) => void)[] = [];
  private next: number;
  /** Every uid handed out so far (tests check that none of them has processes left). */
  readonly used = new Set<number>();

  constructor(
    private readonly base: number,
    slots: number,
    private readonly lockDir: string,
  ) {
    for (let i = 1; i <= slots; i++) this.free.push(base + i);
    this.next = base + slots + 1;
  }

  async acquire(): Promise<number> {
    for (;;) {
      const uid = this.free.shift() ?? (this.used.size >= MAX_EXTRA_UIDS ? await new Promise<number>((resolve) => this.waiting.push(resolve)) : this.next++);
      if (await this.lock(uid)) {
        this.used.add(uid);
        return uid;
      }
      // Another dsgrade process holds it: leave it to that process and take a fresh uid.
    }
  }

  async release(uid: number, retire: boolean): Promise<void> {
    await fs.rm(path.join(this.lockDir, String(uid)), { force: true });
    const give = retire ? this.next++ : uid;
    const waiter = this.waiting.shift();
    if (waiter) waiter(give);
    else this.free.push(give);
  }

  private async lock(uid: number): Promise<boolean> {
    await fs.mkdir(this.lockDir, { recursive: true, mode: 0o700 });
    const file = path.join(this.lockDir, String(uid));
    for (let i = 0; i < 2; i++) {
      try {
        await fs.writeFile(file, String(process.pid), { flag: 'wx' });
        return true;
      } catch {
        const owner = Number(await fs.readFile(file, 'utf8').catch(() => ''));
        if (owner && owner !== process.pid && isAlive(owner)) return false;
        await fs.rm(file, { force: true }); // a crashed dsgrade's lock
      }
    }
    return false;
  }
}

const MAX_EXTRA_UIDS = 256;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
