// File names for what the page hands back. Pure.

/** "holiday.mp4" → "holiday-greenscreen.webm". */
export function exportFileName(sourceName) {
  const stem = (sourceName || 'video').replace(/\.[^.]*$/, '') || 'video';
  return `${stem}-greenscreen.webm`;
}

/** "greenscreen-2026-11-30-22-41-05.webm" for a recording made at `date`. */
export function recordingFileName(date = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  const stamp = [date.getFullYear(), pad(date.getMonth() + 1), pad(date.getDate()), pad(date.getHours()), pad(date.getMinutes()), pad(date.getSeconds())].join('-');
  return `greenscreen-${stamp}.webm`;
}
