// Import Invoices: poll the job's progress and reload the list when it is finished.
(function () {
  const box = document.getElementById("progress");
  if (!box) return;
  const bar = box.querySelector("progress");
  const text = box.querySelector("[data-role=text]");
  async function poll() {
    let response;
    try {
      response = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
    } catch (error) {
      setTimeout(poll, 5000);
      return;
    }
    if (!response.ok) {
      if (response.status >= 500) setTimeout(poll, 5000);  // a hiccup: try again; 4xx: stop
      return;
    }
    const p = await response.json();
    bar.max = p.total; bar.value = p.done;
    text.textContent = `${p.done} of ${p.total} done: ${p.synced} synced, ${p.failed} failed, ${p.blocked} blocked.`;
    if (p.finished) { window.location = window.location.pathname; } else { setTimeout(poll, 2000); }
  }
  setTimeout(poll, 1500);
})();
