/**
 * Debug logging for dsgrade's own machinery (DSGRADE_DEBUG=1): one line per event on stderr,
 * prefixed with the area, so a TA can see every Docker call and the container it touched.
 */
const enabled = (): boolean => /^(1|true|yes|on)$/i.test(process.env.DSGRADE_DEBUG ?? '');

export function debug(area: string, message: string): void {
  if (enabled()) process.stderr.write(`dsgrade:${area} ${new Date().toISOString().slice(11, 23)} ${message}\n`);
}
