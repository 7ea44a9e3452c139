// Wayfare progressive enhancement. Every page works without this file; with it, switchers
// apply on change, airport boxes suggest as you type, the flight form shows only the fields
// the chosen trip type needs, and explore can start from your location. No inline scripts (CSP).
(function () {
  "use strict";

  document.documentElement.classList.add("js");
  var zh = (document.documentElement.lang || "").indexOf("zh") === 0;

  // Language / currency switchers: submit as soon as a choice is made.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit();
    });
  });

  // An ARIA combobox over GET /api/v1/airports: `input` with its listbox `list`. `onChoose`
  // gets the chosen airport; `status` (optional) says when nothing matches.
  function airportCombobox(input, list, onChoose, status) {
    if (!input || !list || input.dataset.comboReady) return;
    input.dataset.comboReady = "1";
    var timer = null;
    var active = -1;
    var items = [];
    var airports = [];
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
      var a = airports[i];
      if (!a) return;
      lastQuery = a.iata;
      close();
      onChoose(a);
    }

    function render(found) {
      list.innerHTML = "";
      airports = found;
      items = found.map(function (a, i) {
        var li = document.createElement("li");
        li.id = list.id + "-opt-" + i;
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
        place.textContent = (a.city_zh && zh ? a.city_zh + " · " : "") + a.city + ", " + a.country;
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
  }

  // The airport finder (home page, /airports): choosing an airport shows its page.
  document.querySelectorAll("form[data-airport-finder]").forEach(function (form) {
    var input = form.querySelector("input[name=q]");
    airportCombobox(input, form.querySelector("[role=listbox]"), function (a) {
      input.value = a.iata;
      form.submit();
    }, form.querySelector(".finder-status"));
  });

  // Airport boxes in forms: choosing fills the code and shows the airport's name below.
  function pickedFor(input) {
    var field = input.closest(".fs-field");
    return field ? field.querySelector("[data-picked]") : null;
  }

  function initAirportInput(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    airportCombobox(input, list, function (a) {
      input.value = a.iata;
      var picked = pickedFor(input);
      if (picked) picked.textContent = a.display_name + (a.city && a.display_name.indexOf(a.city) < 0 && !zh ? " · " + a.city : "");
      input.removeAttribute("aria-invalid");
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
    input.addEventListener("input", function () {
      var picked = pickedFor(input);
      if (picked) picked.textContent = "";
    });
  }

  document.querySelectorAll("input[data-airport-input]").forEach(initAirportInput);

  // The flight search form.
  document.querySelectorAll("form[data-flight-form]").forEach(function (form) {
    var rowsList = form.querySelector("[data-multi-rows]");
    var addRow = form.querySelector("[data-add-row]");
    var maxRows = rowsList ? parseInt(rowsList.dataset.max || "6", 10) - 1 : 0;

    function trip() {
      var checked = form.querySelector("input[data-trip]:checked");
      return checked ? checked.value : "oneway";
    }

    function rowFilled(row) {
      return Array.prototype.some.call(row.querySelectorAll("input"), function (i) { return i.value.trim() !== ""; });
    }

    function rows() {
      return rowsList ? Array.prototype.slice.call(rowsList.querySelectorAll("[data-multi-row]")) : [];
    }

    // Only the fields the trip type uses are shown and submitted.
    function sync() {
      var t = trip();
      form.querySelectorAll("[data-trip-only]").forEach(function (el) {
        var on = el.getAttribute("data-trip-only") === t;
        el.hidden = !on;
        el.querySelectorAll("input, select").forEach(function (i) { i.disabled = !on; });
      });
      var ret = form.querySelector("input[name=return]");
      if (ret) ret.required = t === "round";
      if (t === "multi") {
        // Multi-city: the first further row, and any already filled; the rest on demand.
        rows().forEach(function (row, i) {
          var on = i === 0 || rowFilled(row);
          row.hidden = !on;
          row.querySelectorAll("input").forEach(function (inp) {
            inp.disabled = !on;
            if (i === 0) inp.required = !inp.matches("[type=hidden]");
          });
        });
        updateAdd();
      }
    }

    function updateAdd() {
      if (!addRow) return;
      var list = rows();
      var hiddenLeft = list.some(function (r) { return r.hidden; });
      addRow.hidden = !hiddenLeft && list.length >= maxRows;
    }

    form.querySelectorAll("input[data-trip]").forEach(function (r) { r.addEventListener("change", sync); });

    if (addRow && rowsList) {
      addRow.addEventListener("click", function () {
        var list = rows();
        var next = list.filter(function (r) { return r.hidden; })[0];
        if (!next && list.length < maxRows) {
          // Clone the last row as the next numbered one.
          var last = list[list.length - 1];
          var n = list.length + 2;
          next = last.cloneNode(true);
          next.querySelectorAll("[id]").forEach(function (el) { el.id = el.id.replace(/\d+(-list)?$/, n + "$1"); });
          next.querySelectorAll("label[for]").forEach(function (el) { el.htmlFor = el.htmlFor.replace(/\d+$/, String(n)); });
          next.querySelectorAll("input").forEach(function (el) {
            el.name = el.name.replace(/\d+$/, String(n));
            el.value = "";
            el.removeAttribute("aria-invalid");
            delete el.dataset.comboReady;
            if (el.hasAttribute("aria-controls")) el.setAttribute("aria-controls", el.getAttribute("aria-controls").replace(/\d+-list$/, n + "-list"));
          });
          next.querySelectorAll("[data-picked]").forEach(function (el) { el.textContent = ""; });
          next.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
          next.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
          var label = next.querySelector(".multi-n");
          if (label) label.textContent = label.textContent.replace(/\d+/, String(n));
          rowsList.appendChild(next);
          next.querySelectorAll("input[data-airport-input]").forEach(initAirportInput);
        }
        if (!next) return;
        next.hidden = false;
        next.querySelectorAll("input").forEach(function (inp) { inp.disabled = false; });
        // A new flight usually leaves from where the previous one landed.
        var prev = next.previousElementSibling;
        var prevTo = prev ? prev.querySelector("input[name^=to]") : form.querySelector("input[name=to]");
        var from = next.querySelector("input[name^=from]");
        if (from && prevTo && !from.value) from.value = prevTo.value;
        var first = next.querySelector("input[name^=to]") || from;
        if (first) first.focus();
        updateAdd();
      });
    }

    // Swap origin and destination.
    var swap = form.querySelector("[data-swap]");
    if (swap) {
      swap.addEventListener("click", function () {
        var a = form.querySelector("input[name=from]");
        var b = form.querySelector("input[name=to]");
        if (!a || !b) return;
        var v = a.value; a.value = b.value; b.value = v;
        var pa = pickedFor(a), pb = pickedFor(b);
        if (pa && pb) { var t = pa.textContent; pa.textContent = pb.textContent; pb.textContent = t; }
      });
    }

    // The return cannot be before the departure.
    var depart = form.querySelector("input[name=depart]");
    var ret = form.querySelector("input[name=return]");
    if (depart && ret) {
      depart.addEventListener("change", function () {
        if (depart.value) {
          ret.min = depart.value;
          if (ret.value && ret.value < depart.value) ret.value = depart.value;
        }
      });
    }

    // The party rule: at most 9 travellers, no more infants than adults.
    var rule = form.querySelector("[data-party-rule]");
    var party = {};
    form.querySelectorAll("select[data-party]").forEach(function (s) { party[s.dataset.party] = s; });
    function checkParty() {
      if (!party.adults || !party.infants || !rule) return;
      var a = +party.adults.value, c = party.children ? +party.children.value : 0, i = +party.infants.value;
      var bad = i > a || a + c + i > 9;
      if (!rule.dataset.ok) rule.dataset.ok = rule.textContent;
      rule.textContent = bad ? rule.dataset.over : rule.dataset.ok;
      rule.classList.toggle("is-warning", bad);
      party.infants.setCustomValidity(bad ? rule.dataset.over : "");
    }
    Object.keys(party).forEach(function (k) { party[k].addEventListener("change", checkParty); });

    sync();
    checkParty();

    var summary = form.querySelector(".error-summary");
    if (summary) summary.focus();
  });

  // Results: the filter panel starts open on wide screens (a <details> folded on phones).
  if (window.matchMedia && window.matchMedia("(min-width: 60rem)").matches) {
    document.querySelectorAll("details[data-filters]").forEach(function (d) { d.open = true; });
  }

  // Results: a price strip that scrolls (phones) starts with the chosen day in the middle.
  document.querySelectorAll(".cal-strip").forEach(function (strip) {
    var sel = strip.querySelector(".is-selected");
    if (sel && strip.scrollWidth > strip.clientWidth) {
      var item = sel.parentElement;
      strip.scrollLeft = item.offsetLeft - strip.offsetLeft - (strip.clientWidth - item.offsetWidth) / 2;
    }
  });

  // Explore: "near me" fills the position from the browser and searches.
  document.querySelectorAll("form[data-explore-form]").forEach(function (form) {
    var btn = form.querySelector("[data-near-me]");
    var status = form.querySelector("[data-near-status]");
    var lat = form.querySelector("[data-lat]");
    var lon = form.querySelector("[data-lon]");
    var origin = form.querySelector("input[name=origin]");
    if (origin && lat && lon) {
      origin.addEventListener("input", function () { lat.value = ""; lon.value = ""; });
    }
    if (!btn || !lat || !lon) return;
    btn.addEventListener("click", function () {
      if (!navigator.geolocation) {
        if (status) status.textContent = status.dataset.unsupported || "";
        return;
      }
      if (status) status.textContent = status.dataset.locating || "";
      btn.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude.toFixed(4);
        lon.value = pos.coords.longitude.toFixed(4);
        if (origin) origin.value = "";
        form.submit();
      }, function () {
        btn.disabled = false;
        if (status) status.textContent = status.dataset.denied || "";
        if (origin) origin.focus();
      }, { timeout: 10000, maximumAge: 600000 });
    });
  });
})();
