// Wayfare hotels: progressive enhancement for the hotel pages. Every page works without this
// file; with it the home page shows flights or hotels as tabs, the destination box suggests
// places as you type, the rooms picker shows only the rooms and age boxes in use and sends them
// as one `rooms` value, and maps are laid over raster tiles when a tile server is configured
// (a tiny tile renderer of our own: no library, no CDN). No inline scripts (CSP).
(function () {
  "use strict";

  var lang = document.documentElement.lang || "en";

  // ---------------------------------------------------------------- home page tabs
  document.querySelectorAll("[data-search-tabs]").forEach(function (root) {
    var tabs = Array.prototype.slice.call(root.querySelectorAll("[role=tab]"));
    var panels = root.querySelectorAll("[data-tab-panel]");
    if (!tabs.length) return;
    root.classList.add("is-tabbed");
    function show(name, focus) {
      tabs.forEach(function (t) {
        var on = t.dataset.tab === name;
        t.setAttribute("aria-selected", on ? "true" : "false");
        t.tabIndex = on ? 0 : -1;
        if (on && focus) t.focus();
      });
      panels.forEach(function (p) { p.hidden = p.dataset.tabPanel !== name; });
    }
    tabs.forEach(function (t, i) {
      t.addEventListener("click", function () {
        show(t.dataset.tab, false);
        if (history.replaceState) history.replaceState(null, "", t.dataset.tab === "hotels" ? "#hotels" : location.pathname + location.search);
      });
      t.addEventListener("keydown", function (e) {
        var next = e.key === "ArrowRight" ? i + 1 : e.key === "ArrowLeft" ? i - 1 : null;
        if (next === null) return;
        e.preventDefault();
        var tab = tabs[(next + tabs.length) % tabs.length];
        show(tab.dataset.tab, true);
      });
    });
    // A form sent back with errors, or #hotels, opens the hotel tab.
    var hotelErrors = root.querySelector("[data-tab-panel=hotels] .error-summary");
    show(location.hash === "#hotels" || hotelErrors ? "hotels" : "flights", false);
  });

  // ---------------------------------------------------------------- destination suggestions
  function placeCombobox(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    var form = input.form;
    var hidden = form ? form.querySelector("[data-place-id]") : null;
    var field = input.closest(".fs-field");
    var picked = field ? field.querySelector("[data-picked]") : null;
    if (!list) return;
    var timer = null, active = -1, items = [], places = [], lastQuery = input.value.trim(), controller = null;
    var kinds = { city: input.dataset.kindCity, landmark: input.dataset.kindLandmark, airport: input.dataset.kindAirport };

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
      }
    }
    function describe(p) {
      return (kinds[p.kind] || p.kind) + " · " + (p.kind === "city" ? p.country : (p.city || p.country));
    }
    function choose(i) {
      var p = places[i];
      if (!p) return;
      input.value = p.name;
      lastQuery = p.name;
      if (hidden) hidden.value = p.id;
      if (picked) picked.textContent = describe(p);
      input.removeAttribute("aria-invalid");
      close();
    }
    function render(found) {
      list.innerHTML = "";
      places = found;
      items = found.map(function (p, i) {
        var li = document.createElement("li");
        li.id = list.id + "-opt-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.place = p.id;
        var kind = document.createElement("span");
        kind.className = "code place-kind";
        kind.textContent = kinds[p.kind] || p.kind;
        var name = document.createElement("span");
        name.className = "finder-name";
        name.textContent = p.name;
        var where = document.createElement("span");
        where.className = "finder-place muted";
        where.textContent = (p.kind === "city" ? "" : p.city + ", ") + p.country;
        li.appendChild(kind);
        li.appendChild(name);
        li.appendChild(where);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
        return li;
      });
      list.hidden = !items.length;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
      active = -1;
    }
    function lookup() {
      var q = input.value.trim();
      if (q === lastQuery) return;
      lastQuery = q;
      if (!q) { close(); return; }
      if (controller) controller.abort();
      controller = typeof AbortController === "function" ? new AbortController() : null;
      fetch("/api/v1/places?limit=8&q=" + encodeURIComponent(q), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined
      })
        .then(function (r) { return r.ok ? r.json() : { places: [] }; })
        .then(function (body) { if (input.value.trim() === q) render(body.places || []); })
        .catch(function () { /* offline or aborted: the form still submits the typed name */ });
    }
    input.addEventListener("input", function () {
      // Typed over: the old choice no longer holds.
      if (hidden) hidden.value = "";
      if (picked) picked.textContent = "";
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
  document.querySelectorAll("input[data-place-input]").forEach(placeCombobox);

  // ---------------------------------------------------------------- rooms and dates
  function roomsPicker(form) {
    var fieldset = form.querySelector("[data-rooms]");
    if (!fieldset) return;
    var rooms = Array.prototype.slice.call(fieldset.querySelectorAll("[data-room]"));
    var add = fieldset.querySelector("[data-add-room]");
    var rule = form.querySelector("[data-age-rule]");

    function adultsOf(room) { return room.querySelector("[data-adults]"); }
    function ageFields(room) { return Array.prototype.slice.call(room.querySelectorAll("[data-age]")); }
    function inUse(room, i) { return i === 0 || adultsOf(room).value !== "0"; }

    function syncAges(room) {
      var count = room.querySelector("[data-children]");
      var n = count ? +count.value : 0;
      ageFields(room).forEach(function (f, k) {
        var on = k < n;
        f.hidden = !on;
        var s = f.querySelector("select");
        s.required = on;
        if (!on) s.value = "";
      });
    }
    function sync() {
      rooms.forEach(function (room, i) { room.hidden = !inUse(room, i); });
      if (add) add.hidden = rooms.every(function (r, i) { return inUse(r, i); });
    }
    rooms.forEach(function (room, i) {
      var count = room.querySelector("[data-children]");
      if (count) {
        // The count follows the ages already chosen (a form sent back keeps them).
        var filled = ageFields(room).filter(function (f) { return f.querySelector("select").value !== ""; }).length;
        count.value = String(filled);
        count.addEventListener("change", function () { syncAges(room); });
      }
      syncAges(room);
      var remove = room.querySelector("[data-remove-room]");
      if (remove) {
        remove.addEventListener("click", function () {
          adultsOf(room).value = "0";
          if (count) { count.value = "0"; syncAges(room); }
          sync();
          if (add) add.focus();
        });
      }
      adultsOf(room).addEventListener("change", sync);
    });
    if (add) {
      add.addEventListener("click", function () {
        var next = rooms.filter(function (r, i) { return !inUse(r, i); })[0];
        if (!next) return;
        adultsOf(next).value = "1";
        sync();
        adultsOf(next).focus();
      });
    }
    sync();

    form.addEventListener("submit", function (e) {
      var parts = [];
      var missing = false;
      rooms.forEach(function (room, i) {
        if (!inUse(room, i)) return;
        var ages = ageFields(room).filter(function (f) { return !f.hidden; }).map(function (f) {
          var v = f.querySelector("select").value;
          if (v === "") missing = true;
          return v;
        });
        parts.push(adultsOf(room).value + (ages.length ? ":" + ages.join(",") : ""));
      });
      if (missing) {
        e.preventDefault();
        if (rule) { rule.textContent = rule.dataset.missing; rule.classList.add("is-warning"); }
        return;
      }
      var hidden = form.querySelector("input[name=rooms]");
      if (!hidden) {
        hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = "rooms";
        form.appendChild(hidden);
      }
      hidden.value = parts.join("|");
      // The per-room boxes are for people; the address carries `rooms`.
      form.querySelectorAll("[data-adults], [data-age-select]").forEach(function (s) { s.disabled = true; });
    });
    // Coming back to the page (back button): the boxes work again.
    window.addEventListener("pageshow", function () {
      form.querySelectorAll("[data-adults], [data-age-select]").forEach(function (s) { s.disabled = false; });
    });
  }

  function datesPicker(form) {
    var cin = form.querySelector("[data-check-in]");
    var cout = form.querySelector("[data-check-out]");
    if (!cin || !cout) return;
    function plusDay(v) {
      var d = new Date(v + "T00:00:00Z");
      if (isNaN(d)) return "";
      d.setUTCDate(d.getUTCDate() + 1);
      return d.toISOString().slice(0, 10);
    }
    cin.addEventListener("change", function () {
      var next = plusDay(cin.value);
      if (!next) return;
      cout.min = next;
      if (!cout.value || cout.value < next) cout.value = next;
    });
  }

  document.querySelectorAll("form[data-hotel-form]").forEach(function (form) {
    roomsPicker(form);
    datesPicker(form);
    var summary = form.querySelector(".error-summary");
    if (summary && !form.closest("[hidden]")) summary.focus();
  });

  // ---------------------------------------------------------------- maps over tiles
  var TILE = 256;

  function project(lat, lng, z) {
    var s = TILE * Math.pow(2, z);
    var r = Math.max(-85.0511, Math.min(85.0511, lat)) * Math.PI / 180;
    return {
      x: (lng + 180) / 360 * s,
      y: (1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2 * s
    };
  }
  function unproject(x, y, z) {
    var s = TILE * Math.pow(2, z);
    var n = Math.PI * (1 - 2 * y / s);
    return { lat: Math.atan(Math.sinh(n)) * 180 / Math.PI, lng: x / s * 360 - 180 };
  }
  function tileUrl(template, z, x, y) {
    return template.replace("{z}", z).replace("{x}", x).replace("{y}", y)
      .replace("{s}", "abc".charAt((x + y) % 3)).replace("{r}", "");
  }
  function money(amount, currency) {
    try {
      return new Intl.NumberFormat(lang, { style: "currency", currency: currency, maximumFractionDigits: 0 }).format(amount);
    } catch (e) {
      return currency + " " + Math.round(amount);
    }
  }

  function tileMap(fig) {
    var template = fig.dataset.tiles;
    var frame = fig.querySelector(".map-frame");
    var svg = fig.querySelector("[data-map-plot]");
    if (!template || !frame || !svg) return;
    var markers = Array.prototype.map.call(svg.querySelectorAll("[data-marker]"), function (m) {
      var title = m.querySelector("title");
      return {
        kind: m.dataset.kind, lat: +m.dataset.lat, lng: +m.dataset.lng, label: m.dataset.label,
        title: title ? title.textContent : m.dataset.label, href: m.getAttribute("href")
      };
    });
    var vb = svg.viewBox.baseVal;
    var map = document.createElement("div");
    map.className = "tile-map";
    map.tabIndex = 0;
    map.setAttribute("role", "group");
    map.setAttribute("aria-label", svg.getAttribute("aria-label") || "");
    var tilesLayer = document.createElement("div");
    tilesLayer.className = "tm-tiles";
    var markerLayer = document.createElement("div");
    markerLayer.className = "tm-markers";
    var controls = document.createElement("div");
    controls.className = "tm-controls";
    var zin = document.createElement("button");
    zin.type = "button"; zin.textContent = "+"; zin.setAttribute("aria-label", fig.dataset.zoomIn || "+");
    var zout = document.createElement("button");
    zout.type = "button"; zout.textContent = "−"; zout.setAttribute("aria-label", fig.dataset.zoomOut || "−");
    controls.appendChild(zin);
    controls.appendChild(zout);
    var credit = document.createElement("p");
    credit.className = "tm-credit";
    credit.textContent = fig.dataset.attribution || "";
    map.appendChild(tilesLayer);
    map.appendChild(markerLayer);
    map.appendChild(controls);
    map.appendChild(credit);
    frame.appendChild(map);
    svg.setAttribute("hidden", "");
    fig.classList.add("has-tiles");

    var width = map.clientWidth || vb.width;
    var height = Math.round(width * vb.height / vb.width);
    map.style.height = height + "px";
    var west = +fig.dataset.west, east = +fig.dataset.east, north = +fig.dataset.north, south = +fig.dataset.south;
    var z = Math.max(2, Math.min(18, Math.floor(Math.log(width / (TILE * (east - west) / 360)) / Math.LN2)));
    var c0 = project((north + south) / 2, (west + east) / 2, 0);
    var centre = { x: c0.x * Math.pow(2, z), y: c0.y * Math.pow(2, z) };
    var tiles = {};
    var loaded = 0, failed = 0;

    function draw() {
      var left = centre.x - width / 2, top = centre.y - height / 2;
      var n = Math.pow(2, z);
      var want = {};
      for (var tx = Math.floor(left / TILE); tx <= Math.floor((left + width) / TILE); tx++) {
        for (var ty = Math.floor(top / TILE); ty <= Math.floor((top + height) / TILE); ty++) {
          if (ty < 0 || ty >= n) continue;
          var key = z + "/" + tx + "/" + ty;
          want[key] = true;
          var img = tiles[key];
          if (!img) {
            img = document.createElement("img");
            img.alt = "";
            img.draggable = false;
            img.addEventListener("load", function () { loaded++; });
            img.addEventListener("error", function () { failed++; if (!loaded && failed >= 2) giveUp(); });
            img.src = tileUrl(template, z, ((tx % n) + n) % n, ty);
            tiles[key] = img;
            tilesLayer.appendChild(img);
          }
          img.style.left = Math.round(tx * TILE - left) + "px";
          img.style.top = Math.round(ty * TILE - top) + "px";
        }
      }
      Object.keys(tiles).forEach(function (k) {
        if (!want[k]) { tilesLayer.removeChild(tiles[k]); delete tiles[k]; }
      });
      markerLayer.innerHTML = "";
      markers.forEach(function (m) {
        var p = project(m.lat, m.lng, z);
        var x = p.x - left, y = p.y - top;
        if (x < -40 || y < -40 || x > width + 40 || y > height + 40) return;
        var el = document.createElement(m.href ? "a" : "span");
        el.className = "tm-marker tm-" + m.kind;
        if (m.href) el.href = m.href;
        el.title = m.title;
        el.setAttribute("aria-label", m.kind === "hotel" ? m.title + " · " + m.label : m.title);
        el.textContent = m.kind === "here" ? "" : m.label;
        el.style.left = Math.round(x) + "px";
        el.style.top = Math.round(y) + "px";
        if (m.kind === "cluster") {
          el.addEventListener("click", function (e) {
            e.preventDefault();
            var q = project(m.lat, m.lng, z);
            zoomTo(z + 2, q.x, q.y);
          });
        }
        markerLayer.appendChild(el);
      });
    }
    function giveUp() {
      // No tiles (offline, blocked): the plot needs no network.
      map.remove();
      svg.removeAttribute("hidden");
      fig.classList.remove("has-tiles");
    }
    function zoomTo(nz, x, y) {
      nz = Math.max(2, Math.min(18, nz));
      var f = Math.pow(2, nz - z);
      centre = { x: x * f, y: y * f };
      z = nz;
      draw();
      refetch();
    }
    zin.addEventListener("click", function () { zoomTo(z + 1, centre.x, centre.y); });
    zout.addEventListener("click", function () { zoomTo(z - 1, centre.x, centre.y); });
    map.addEventListener("dblclick", function (e) {
      var r = map.getBoundingClientRect();
      zoomTo(z + 1, centre.x - width / 2 + (e.clientX - r.left), centre.y - height / 2 + (e.clientY - r.top));
    });
    map.addEventListener("keydown", function (e) {
      var d = { ArrowLeft: [-64, 0], ArrowRight: [64, 0], ArrowUp: [0, -64], ArrowDown: [0, 64] }[e.key];
      if (d) { e.preventDefault(); centre.x += d[0]; centre.y += d[1]; draw(); refetch(); }
      else if (e.key === "+" || e.key === "=") { e.preventDefault(); zoomTo(z + 1, centre.x, centre.y); }
      else if (e.key === "-") { e.preventDefault(); zoomTo(z - 1, centre.x, centre.y); }
    });
    var drag = null;
    map.addEventListener("pointerdown", function (e) {
      if (e.target.closest(".tm-marker, .tm-controls")) return;
      drag = { x: e.clientX, y: e.clientY, cx: centre.x, cy: centre.y };
      map.setPointerCapture(e.pointerId);
      map.classList.add("is-dragging");
    });
    map.addEventListener("pointermove", function (e) {
      if (!drag) return;
      centre = { x: drag.cx - (e.clientX - drag.x), y: drag.cy - (e.clientY - drag.y) };
      draw();
    });
    function endDrag() {
      if (!drag) return;
      drag = null;
      map.classList.remove("is-dragging");
      refetch();
    }
    map.addEventListener("pointerup", endDrag);
    map.addEventListener("pointercancel", endDrag);

    // Results maps fetch the hotels of the new view as it moves.
    var timer = null, controller = null;
    function refetch() {
      if (!fig.dataset.search) return;
      clearTimeout(timer);
      timer = setTimeout(function () {
        var nw = unproject(centre.x - width / 2, centre.y - height / 2, z);
        var se = unproject(centre.x + width / 2, centre.y + height / 2, z);
        var body;
        try { body = JSON.parse(fig.dataset.search); } catch (e) { return; }
        body.destination = { bbox: [Math.max(-180, nw.lng), Math.max(-85, se.lat), Math.min(180, se.lng), Math.min(85, nw.lat)] };
        body.zoom = z;
        body.limit = 500;
        if (controller) controller.abort();
        controller = typeof AbortController === "function" ? new AbortController() : null;
        fetch("/api/v1/hotels/search", {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json", "Accept-Language": lang },
          credentials: "same-origin",
          body: JSON.stringify(body),
          signal: controller ? controller.signal : undefined
        })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (res) {
            if (!res || !res.clusters) return;
            var names = {};
            (res.hotels || []).forEach(function (h) { names[h.id] = h.name; });
            var per = +(fig.dataset.per || 1) || 1;
            var keep = markers.filter(function (m) { return m.kind === "centre" || m.kind === "here"; });
            res.clusters.forEach(function (c) {
              var price = c.min_price ? money(+c.min_price.amount / per, c.min_price.currency) : "";
              if (c.count === 1 && c.hotel_id) {
                keep.push({
                  kind: "hotel", lat: c.location.lat, lng: c.location.lng, label: price,
                  title: names[c.hotel_id] || price,
                  href: (fig.dataset.hotelHref || "").replace("{id}", encodeURIComponent(c.hotel_id))
                });
              } else {
                keep.push({ kind: "cluster", lat: c.location.lat, lng: c.location.lng, label: String(c.count), title: c.count + " · " + price, href: "#" });
              }
            });
            markers = keep;
            draw();
          })
          .catch(function () { /* keep what is shown */ });
      }, 250);
    }
    draw();
  }
  document.querySelectorAll("figure[data-hotel-map][data-tiles]").forEach(tileMap);
})();
