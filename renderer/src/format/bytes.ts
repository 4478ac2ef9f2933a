/** Byte counts and bit rates as people read them (decimal units, as network tools use). */
const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
const RATE_UNITS = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s'];

function scaled(value: number, units: readonly string[]): string {
  let unit = 0;
  let v = value;
  while (v >= 1000 && unit < units.length - 1) {
    v /= 1000;
    unit++;
  }
  const digits = unit === 0 || v >= 100 ? 0 : 1;
  return `${v.toFixed(digits)} ${units[unit]}`;
}

export const formatBytes = (bytes: number): string => scaled(bytes, BYTE_UNITS);
export const formatBitRate = (bitsPerSecond: number): string => scaled(bitsPerSecond, RATE_UNITS);
