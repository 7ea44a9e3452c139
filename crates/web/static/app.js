// Wayfare progressive enhancement. Every page works without this file; with it, switchers
// apply on change and the airport finder suggests as you type. No inline scripts (CSP).
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  // Language / currency switchers: submit as soon as a choice is made.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit();
    });
  });

  // Airport finder: an ARIA combobox over GET /api/v1/airports.
  document.querySelectorAll("form[data-airport-finder]").forEach(function (form) {
    var input = form.querySelector("input[name=q]");
    var list = form.querySelector("[role=listbox]");
    var status = form.querySelector(".finder-status");
    if (!input || !list) return;
    var timer = null;
    var active = -1;
    var items = [];
    var lastQuery = "";
    var controller = null;

    function close() {
      list.hidden = true;
      list.innerHTML = "";
      items = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(i) {
      items.forEach(function (el, j) { el.setAttribute("aria-selected", j === i ? "true" : "false"); });
      active = i;
      if (i >= 0 && items[i]) {
        input.setAttribute("aria-activedescendant", items[i].id);
        items[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(i) {
      var el = items[i];
      if (!el) return;
      input.value = el.dataset.code;
      close();
      form.submit();
    }

    function render(airports) {
      list.innerHTML = "";
      items = airports.map(function (a, i) {
        var li = document.createElement("li");
        li.id = "finder-opt-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.code = a.iata;
        var code = document.createElement("span");
        code.className = "code";
        code.textContent = a.iata;
        var name = document.createElement("span");
        name.className = "finder-name";
        name.textContent = a.display_name;
        var place = document.createElement("span");
        place.className = "finder-place muted";
        place.textContent = (a.city_zh && document.documentElement.lang.indexOf("zh") === 0 ? a.city_zh + " · " : "") + a.city + ", " + a.country;
        li.appendChild(code);
        li.appendChild(name);
        li.appendChild(place);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
        return li;
      });
      var open = items.length > 0;
      list.hidden = !open;
      input.setAttribute("aria-expanded", open ? "true" : "false");
      if (status) status.textContent = open ? "" : (status.dataset.empty || "");
      active = -1;
    }

    function lookup() {
      var q = input.value.trim();
      if (q === lastQuery) return;
      lastQuery = q;
      if (!q) { close(); if (status) status.textContent = ""; return; }
      if (controller) controller.abort();
      controller = typeof AbortController === "function" ? new AbortController() : null;
      fetch("/api/v1/airports?limit=8&q=" + encodeURIComponent(q), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined
      })
        .then(function (r) { return r.ok ? r.json() : { airports: [] }; })
        .then(function (body) { if (input.value.trim() === q) render(body.airports || []); })
        .catch(function () { /* aborted or offline: the form still submits normally */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, 120);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden || !items.length) return;
      if (e.key === "ArrowDown") { e.preventDefault(); highlight((active + 1) % items.length); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active <= 0 ? items.length - 1 : active - 1); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(active); }
      else if (e.key === "Escape") { e.preventDefault(); close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  });
})();
