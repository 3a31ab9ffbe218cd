// Keeps a cycle's letters page up to date while drafting or issuing runs on the worker: polls the
// page's progress JSON, updates the counts, and reloads once nothing is queued so that the list of
// trusts without a letter is current. A static module (no inline script) for the strict CSP.

import { follow } from "./follow-progress.mjs";

const POLL_INTERVAL_MS = 3000;

function sentence(progress) {
  if (progress.drafting) {
    return `Drafting letters: ${progress.draft} drafted so far, ${progress.without_letter} still to draft. This page updates itself.`;
  }
  return `Issuing letters: ${progress.issued} issued so far, ${progress.approved} still to issue. This page updates itself.`;
}

function update(root, progress) {
  for (const cell of root.querySelectorAll("[data-count]")) {
    const count = progress[cell.dataset.count];
    if (count !== undefined && cell.textContent !== String(count)) cell.textContent = String(count);
  }
  const text = root.querySelector("[data-letters-progress-text]");
  const words = sentence(progress);
  // Only touch the live region when the words change, so screen readers are not told the same thing again.
  if (text && progress.queued && text.textContent !== words) text.textContent = words;
}

// Nothing queued any more: reload once to show the settled page, and stop polling.
for (const root of document.querySelectorAll("[data-letters-progress-url]")) {
  follow(root.dataset.lettersProgressUrl, POLL_INTERVAL_MS, (progress) => update(root, progress), (progress) => !progress.queued);
}
