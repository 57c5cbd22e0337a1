/* hatsync: small progressive enhancements; every page works without them. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Narrow screens: the Menu button opens and closes the sections.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest(".nav-toggle");
    if (!toggle) return;
    var nav = toggle.closest(".nav");
    var open = nav.classList.toggle("is-open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });

  // One-time form tokens (invoices/forms.py, add_form_token). Pages are never cached, so
  // Back loads a form again with a new token, and the browser puts back what was typed in
  // it but not the hidden token: the form would go again as a new one. The page's history
  // entry keeps the token the form was first shown with, and puts it back.
  (function keepFormTokens() {
    var inputs = document.querySelectorAll("input[name='form_token']");
    if (!inputs.length || !window.history.replaceState) return;
    var state = window.history.state || {};
    var kept = state.hatsyncFormTokens || {};
    var changed = false;
    Array.prototype.forEach.call(inputs, function (input, index) {
      var key = String(index);
      if (kept[key]) {
        input.value = kept[key];
      } else if (input.value) {
        kept[key] = input.value;
        changed = true;
      }
    });
    if (changed) {
      var next = {};
      Object.keys(state).forEach(function (name) { next[name] = state[name]; });
      next.hatsyncFormTokens = kept;
      window.history.replaceState(next, "");
    }
  })();

  // Forms with data-confirm ask before they submit (void, delete).
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // Invoice lines: pick a product and its rate and default tax rate fill the empty fields.
  function prefillFromProduct(select) {
    var row = select.closest("tr");
    var option = select.options[select.selectedIndex];
    if (!row || !option) return;
    var price = row.querySelector("input[name$='-unit_price']");
    var tax = row.querySelector("select[name$='-tax_rate']");
    if (price && (price.value === "" || price.dataset.autofilled === "1")) {
      price.value = option.getAttribute("data-rate") || "";
      price.dataset.autofilled = "1";
    }
    if (tax && (tax.value === "" || tax.dataset.autofilled === "1")) {
      tax.value = option.getAttribute("data-tax-rate") || "";
      tax.dataset.autofilled = "1";
    }
  }

  // Invoice lines an integration cannot take (a line without a tax rate, a rate it has no
  // code for): each says so under its tax rate as it is picked (rules from #line-tax-rules).
  var lineTaxRules = document.getElementById("line-tax-rules");
  function checkLineTax(row) {
    if (!lineTaxRules || !row) return;
    var product = row.querySelector("select[name$='-product']");
    var tax = row.querySelector("select[name$='-tax_rate']");
    if (!product || !tax) return;
    var option = product.options[product.selectedIndex];
    var rate = tax.value || (option && option.getAttribute("data-tax-rate")) || "";
    var bad = (lineTaxRules.getAttribute("data-bad-rates") || "").split(",");
    var text = "";
    if (product.value && !rate && lineTaxRules.getAttribute("data-needs-rate") === "1") {
      text = lineTaxRules.getAttribute("data-no-rate");
    } else if (product.value && rate && bad.indexOf(rate) !== -1) {
      text = lineTaxRules.getAttribute("data-no-code");
    }
    var note = row.querySelector("[data-line-tax-note]");
    if (!note) {
      note = document.createElement("p");
      note.className = "small line-tax-note";
      note.setAttribute("data-line-tax-note", "");
      note.setAttribute("aria-live", "polite");
      tax.closest("td").appendChild(note);
    }
    note.textContent = text;
    note.hidden = !text;
  }
  document.querySelectorAll("tr.line-row").forEach(checkLineTax);

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("select[name$='-product'], select[name$='-tax_rate']")) {
      window.setTimeout(function () { checkLineTax(target.closest("tr")); }, 0);
    }
    if (target.matches("select[name$='-product']")) {
      prefillFromProduct(target);
    } else if (target.matches("input[name$='-unit_price'], select[name$='-tax_rate']")) {
      target.dataset.autofilled = "0";
    } else if (target.matches("input[name$='-DELETE']")) {
      target.closest("tr").classList.toggle("removed", target.checked);
    }
  });

  // Menus (<details class="menu">) close on a click elsewhere or on Escape.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    });
  });

  // Import Invoices: "select all" ticks every selectable row; the Sync button shows the count.
  document.querySelectorAll("[data-select-scope]").forEach(function (scope) {
    var all = scope.querySelector("[data-select-all]");
    var count = scope.querySelector("[data-selected-count]");
    function boxes() { return scope.querySelectorAll("input[type=checkbox][name=invoice]"); }
    function refresh() {
      var list = boxes(), ticked = 0;
      list.forEach(function (box) {
        if (box.checked) ticked += 1;
        var row = box.closest("tr");
        if (row) row.classList.toggle("is-selected", box.checked);
      });
      if (count) count.textContent = ticked ? " (" + ticked + ")" : "";
      if (all) {
        all.disabled = list.length === 0;
        all.checked = list.length > 0 && ticked === list.length;
        all.indeterminate = ticked > 0 && ticked < list.length;
      }
    }
    if (all) {
      all.addEventListener("change", function () {
        boxes().forEach(function (box) { box.checked = all.checked; });
        refresh();
      });
    }
    scope.addEventListener("change", function (event) {
      if (event.target.name === "invoice") refresh();
    });
    refresh();
  });

  // Invoice lines: "Add line" copies the formset's empty form, up to the most an invoice
  // takes (MAX_NUM_FORMS; the server refuses more).
  document.querySelectorAll("[data-formset-add]").forEach(function (button) {
    var form = button.closest("form");
    var body = form.querySelector("[data-formset-body]");
    var template = form.querySelector("template[data-formset-template]");
    var total = form.querySelector("input[name$='-TOTAL_FORMS']");
    var most = form.querySelector("input[name$='-MAX_NUM_FORMS']");
    if (!body || !template || !total) return;
    function full() {
      var reached = Boolean(most) && parseInt(total.value, 10) >= parseInt(most.value, 10);
      button.disabled = reached;
      button.title = reached ? "An invoice can have at most " + most.value + " lines." : "";
      return reached;
    }
    button.hidden = false;
    full();
    button.addEventListener("click", function () {
      if (full()) return;
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      body.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      full();
      var added = body.lastElementChild.querySelector("select");
      if (added) added.focus();
    });
  });
  // A card with data-refresh-url (the invoice page's QuickBooks panel while a sync is under
  // way, a QuickBooks check while it runs) replaces itself with a fresh copy until it settles.
  var refreshing = false;
  function refreshPanel() {
    var panel = document.querySelector("[data-refresh-url]");
    refreshing = Boolean(panel);
    if (!panel) return;
    window.setTimeout(function () {
      fetch(panel.getAttribute("data-refresh-url"), { headers: { Accept: "text/html" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html && panel.isConnected) { panel.outerHTML = html; }
          refreshPanel();
        })
        .catch(refreshPanel);
    }, 2000);
  }
  refreshPanel();

  // Open pages follow changes made elsewhere (a payment entered in QuickBooks): the element
  // with data-live-url asks every few seconds whether its version changed (204: no; a cheap
  // check, no QuickBooks call) and, when it did, the page fetches itself and replaces that
  // element (and those named in data-live-with) with the fresh copy. Not while hidden, nor
  // while someone types in it.
  var LIVE_EVERY = 5000;
  function liveSwap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    var live = document.querySelector("[data-live-url]");
    var extra = (live.getAttribute("data-live-with") || "").split(",");
    ["[data-live-url]"].concat(extra).forEach(function (selector) {
      selector = selector.trim();
      var old = selector && document.querySelector(selector);
      var copy = selector && fresh.querySelector(selector);
      if (old && copy) old.replaceWith(document.importNode(copy, true));
    });
    if (!refreshing) refreshPanel();
  }
  function liveTick() {
    var live = document.querySelector("[data-live-url]");
    if (!live) return;
    var typing = document.activeElement && live.contains(document.activeElement) &&
      document.activeElement.matches("input, select, textarea");
    if (document.hidden || typing) { window.setTimeout(liveTick, LIVE_EVERY); return; }
    var url = live.getAttribute("data-live-url") + "?v=" +
      encodeURIComponent(live.getAttribute("data-live-version") || "");
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 204) return "same";
        var json = (response.headers.get("Content-Type") || "").indexOf("json") !== -1;
        return response.ok && json ? "changed" : "stop";  // signed out, gone: stop asking
      })
      .then(function (answer) {
        if (answer === "stop") return null;
        if (answer === "same") { window.setTimeout(liveTick, LIVE_EVERY); return null; }
        return fetch(window.location.href, { headers: { Accept: "text/html" } })
          .then(function (response) { return response.ok ? response.text() : null; })
          .then(function (html) {
            if (html) liveSwap(html);
            window.setTimeout(liveTick, LIVE_EVERY);
          });
      })
      .catch(function () { window.setTimeout(liveTick, 2 * LIVE_EVERY); });
  }
  window.setTimeout(liveTick, LIVE_EVERY);
  // A number longer than an integration takes: say, as you type, what it will store.
  var note = document.getElementById("number-note");
  var numberInput = note && document.getElementById(note.getAttribute("data-for"));
  function showNumberNote() {
    var value = numberInput.value.trim();
    var limit = Number(note.getAttribute("data-limit"));
    if (value.length <= limit) { note.hidden = true; return; }
    var head = Number(note.getAttribute("data-head"));
    var tail = Number(note.getAttribute("data-tail"));
    note.textContent = note.getAttribute("data-target") + " keeps " + limit +
      " characters, so it will store this number as " + value.slice(0, head) + "..." +
      value.slice(-tail) + ".";
    note.hidden = false;
  }
  if (numberInput) { numberInput.addEventListener("input", showNumberNote); showNumberNote(); }
  // Record payment: the card-fee hint follows the amount and tip as they are typed; the fee
  // is the account's rate on both, rounded half-up to the cent as the server records it.
  document.querySelectorAll("input[data-card-fee-note]").forEach(function (feeInput) {
    var form = feeInput.form;
    var hint = document.getElementById(feeInput.id + "_helptext");
    var amount = form && form.querySelector("input[name$='amount']:not([name$='tip_amount'])");
    var tip = form && form.querySelector("input[name$='tip_amount']");
    if (!hint || !amount) return;
    function cents(text) {
      var match = /^\s*(\d+)(?:\.(\d{0,2}))?\s*$/.exec(text || "0");
      return match ? Number(match[1]) * 100 + Number(((match[2] || "") + "00").slice(0, 2)) : null;
    }
    function showFee() {
      var base = cents(amount.value), extra = cents(tip ? tip.value : "0");
      if (base === null || extra === null || base <= 0) return;
      var hundredths = cents(feeInput.getAttribute("data-card-fee-percent"));
      var fee = Math.floor(((base + extra) * hundredths + 5000) / 10000) +
        cents(feeInput.getAttribute("data-card-fee-fixed"));
      hint.textContent = feeInput.getAttribute("data-card-fee-note")
        .replace("{fee}", (fee / 100).toFixed(2));
    }
    amount.addEventListener("input", showFee);
    if (tip) tip.addEventListener("input", showFee);
  });
})();
