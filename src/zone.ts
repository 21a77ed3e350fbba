/** Time zones by IANA name: tcpdump prints its host's local time, captures carry UTC. */

/** Seconds `tz` is ahead of UTC at the instant `epoch` (seconds), e.g. 3600 for Europe/Berlin in winter. */
export function zoneOffset(tz: string, epoch: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(epoch * 1000));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) / 1000 - Math.floor(epoch);
}

/** Whether `tz` names a time zone this Node knows (IANA names such as "Asia/Shanghai", or "UTC"). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
