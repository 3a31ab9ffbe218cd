// Follows background work by polling a progress JSON endpoint: calls `update` with each reply, and
// reloads the page once `finished` says the work has ended, so the page shows the settled result.
// A static module (no inline script) so that a strict Content-Security-Policy can apply.

export function follow(url, intervalMs, update, finished) {
  const poll = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const progress = await response.json();
        update(progress);
        if (finished(progress)) {
          window.location.reload();
          return;
        }
      }
    } catch {
      // A network blip should not stop the page following the work; try again at the next tick.
    }
    window.setTimeout(poll, intervalMs);
  };
  window.setTimeout(poll, intervalMs);
}
