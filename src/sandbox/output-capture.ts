/**
 * Keeps the head and the tail of a process's output within a byte budget, counting everything,
 * so a flood never costs memory and the student still sees how it started and how it ended.
 */
import { groupDigits } from '../util/format-bytes.js';
export class OutputCapture {
  private readonly headLimit: number;
  private readonly tailLimit: number;
  private head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  /** Every byte seen, kept or not. */
  total = 0;

  constructor(budgetBytes: number) {
    this.headLimit = Math.floor(budgetBytes / 2);
    this.tailLimit = budgetBytes - this.headLimit;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.headBytes < this.headLimit) {
      const take = Math.min(chunk.length, this.headLimit - this.headBytes);
      this.head.push(chunk.subarray(0, take));
      this.headBytes += take;
      chunk = chunk.subarray(take);
      if (chunk.length === 0) return;
    }
    if (chunk.length >= this.tailLimit) {
      // One chunk fills the whole tail: keep a copy of its end only, not the (possibly huge) chunk.
      this.tail = [Buffer.from(chunk.subarray(chunk.length - this.tailLimit))];
      this.tailBytes = this.tailLimit;
      return;
    }
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tailBytes - (this.tail[0]?.length ?? 0) >= this.tailLimit && this.tail.length > 1) {
      this.tailBytes -= this.tail.shift()!.length;
    }
  }

  get truncated(): boolean {
    return this.total > this.headBytes + this.tailBytes || this.tailBytes > this.tailLimit;
  }

  /** The kept text, with a marker where bytes were dropped. */
  text(): string {
    const head = Buffer.concat(this.head).toString('utf8');
    let tailBuf = Buffer.concat(this.tail);
    if (tailBuf.length > this.tailLimit) tailBuf = tailBuf.subarray(tailBuf.length - this.tailLimit);
    const omitted = this.total - this.headBytes - tailBuf.length;
    if (omitted <= 0) return head + tailBuf.toString('utf8');
    return `${head}\n… [dsgrade: ${groupDigits(omitted)} bytes of output omitted here] …\n${tailBuf.toString('utf8')}`;
  }
}
