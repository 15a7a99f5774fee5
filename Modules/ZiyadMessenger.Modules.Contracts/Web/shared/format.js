// Shared by the admin dashboard and the web client: formatting for people.

export function fmtBytes(bytes) {
  if (bytes === null || bytes === undefined || bytes < 0) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  let value = bytes;
  while (value >= 1024 && i < units.length - 1) { value /= 1024; i++; }
  return `${value.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export const fmtTime = (value) => new Date(value ?? Date.now()).toLocaleTimeString("en-GB");
