/** Byte counts for people: one size format, and one digit grouping for exact counts, locale-independent. */

/** A size: "512 bytes", "1.5 KiB", "64 MiB" (one decimal, dropped when it is 0). */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/** An exact count with thousands separators: "1,234,567". */
export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
