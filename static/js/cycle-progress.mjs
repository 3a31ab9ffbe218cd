// Keeps a running cycle's progress up to date by polling its JSON endpoint, and reloads the page
// once the cycle has ended so that the findings matrix shows the results. Loaded as a module from
// a static file (no inline script) so that a strict Content-Security-Policy can apply.

import { follow } from "./follow-progress.mjs";

const POLL_INTERVAL_MS = 5000;

function update(root, progress) {
  const bar = root.querySelector("progress");
  bar.max = Math.max(progress.total, 1);
  bar.value = progress.ended;
  const text = root.querySelector("[data-progress-text]");
  const sentence = `${progress.ended} of ${progress.total} checked`;
  // Only touch the live region when the words change, so screen readers are not told the same thing again.
  if (text.textContent !== sentence) text.textContent = sentence;
  for (const cell of root.querySelectorAll("[data-state]")) {
    const count = progress[cell.dataset.state];
    if (count !== undefined) cell.textContent = String(count);
  }
}

for (const root of document.querySelectorAll("[data-cycle-progress-url]")) {
  follow(root.dataset.cycleProgressUrl, POLL_INTERVAL_MS, (progress) => update(root, progress), (progress) => progress.status !== "running");
}
