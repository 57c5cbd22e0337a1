// Import Invoices: poll the job's progress, say what is happening, update the rows that
// changed (rendered by the server), and show a summary that stays when the job ends.
(function () {
  const box = document.getElementById("progress");
  if (!box) return;
  const bar = box.querySelector("progress");
  const text = box.querySelector("[data-role=text]");
  const activity = box.querySelector("[data-role=activity]");
  const summary = box.querySelector("[data-role=summary]");
  let since = box.dataset.since || "";  // the moment the page was rendered
  function updateRows(cells) {
    for (const [id, html] of Object.entries(cells || {})) {
      const row = document.querySelector(`tr[data-invoice="${id}"]`);
      if (!row) continue;
      row.querySelector(".sync-cell").innerHTML = html;
      const state = html.includes("badge-synced") ? "synced" : html.includes("badge-blocked") ? "blocked"
        : html.includes("badge-failed") ? "failed" : "needs_sync";
      row.className = row.className.replace(/sync-\S+/, `sync-${state}`);
      if (state === "synced") row.querySelector("td.check")?.replaceChildren();
    }
  }
  async function poll() {
    let response;
    try {
      const url = box.dataset.url + (since ? `?since=${encodeURIComponent(since)}` : "");
      response = await fetch(url, { headers: { Accept: "application/json" } });
    } catch (error) {
      activity.textContent = "Lost touch with hatsync for a moment; trying again…";
      setTimeout(poll, 5000);
      return;
    }
    if (!response.ok) {
      if (response.status >= 500) setTimeout(poll, 5000);  // a hiccup: try again; 4xx: stop
      return;
    }
    const p = await response.json();
    since = p.now;
    bar.max = p.total; bar.value = p.done;
    text.textContent = `${p.done} of ${p.total} done: ${p.synced} synced, ${p.failed} failed, ${p.blocked} blocked.`;
    activity.textContent = p.activity + (p.eta_text ? ` ${p.eta_text}` : "");
    updateRows(p.cells);
    if (p.finished) {  // the card ends: no hint, no estimate, no more polling
      box.querySelector("[data-role=hint]")?.remove();
      const head = box.querySelector(".progress-head strong");
      head.textContent = `Sync of ${p.total} invoice${p.total === 1 ? "" : "s"} finished`;
      const problems = p.failed + p.blocked;
      if (problems) {
        const link = document.createElement("a");
        link.href = `?job=${box.dataset.job}&state=problems`;
        link.textContent = `Show the ${problems} that did not sync`;
        summary.replaceChildren(link);
      }
      summary.hidden = false;
    } else {
      setTimeout(poll, 1500);
    }
  }
  setTimeout(poll, 1000);
})();
