// Import Invoices, Undo sync: refresh the progress card (rendered by the server) until the
// undo ends, then reload the page once so the rows show what QuickBooks now holds.
(function () {
  "use strict";
  function poll() {
    const card = document.getElementById("undo-progress");
    if (!card || !card.dataset.undoUrl) return;
    setTimeout(async function () {
      let html = null;
      try {
        const response = await fetch(card.dataset.undoUrl, { headers: { Accept: "text/html" } });
        if (response.ok) html = await response.text();
        else if (response.status < 500) return;  // gone (too old) or not ours: stop
      } catch (error) { /* a hiccup: try again */ }
      if (html) {
        card.outerHTML = html;
        if (document.getElementById("undo-progress")?.hasAttribute("data-finished")) {
          window.location.reload();
          return;
        }
      }
      poll();
    }, 1500);
  }
  poll();
})();
