const UNITS = ["KB", "MB", "GB", "TB"] as const;

/**
 * A size in bytes in words, as file managers show it: "512 bytes", "120 KB", "2.4 MB". Multiples
 * of 1,024 (so the default upload limit of 25 MiB reads "25 MB"), one decimal below 10, in the
 * reader's number format.
 */
export function fileSizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = value < 10 ? 1 : 0;
  return `${value.toLocaleString(undefined, { maximumFractionDigits: digits })} ${UNITS[unit]}`;
}
