// Booking pages, progressively enhanced. Without this file every form still works: the hold's
// end time is printed, saved travellers are prefilled by the server, and a second submit is
// answered by the server's idempotency. With it: a live countdown to the hold's end, a
// passenger filled from a saved traveller on choosing one, and buttons that lock once pressed.
(function () {
  "use strict";

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // The hold's countdown: seconds left at render, counted from when the page arrived.
  document.querySelectorAll("[data-countdown]").forEach(function (el) {
    var left = parseInt(el.getAttribute("data-seconds"), 10);
    if (isNaN(left)) return;
    var clock = el.querySelector("[data-countdown-clock]");
    var over = el.querySelector("[data-countdown-over]");
    var start = Date.now();
    function tick() {
      var rest = Math.max(0, left - Math.floor((Date.now() - start) / 1000));
      if (clock) clock.textContent = pad(Math.floor(rest / 60)) + ":" + pad(rest % 60);
      if (rest <= 0) {
        el.classList.add("is-over");
        if (over) over.hidden = false;
        document.querySelectorAll("[data-pay-submit]").forEach(function (b) { b.disabled = true; });
        return;
      }
      if (rest <= 120) el.classList.add("is-soon");
      window.setTimeout(tick, 1000);
    }
    tick();
  });

  // "Fill from saved traveller": copy the chosen traveller into the passenger block.
  document.querySelectorAll("select[data-fill-traveller]").forEach(function (select) {
    select.addEventListener("change", function () {
      var block = select.closest("[data-passenger]");
      var opt = select.options[select.selectedIndex];
      if (!block || !opt || !opt.value) return;
      var map = { given: "given", family: "family", born: "born", gender: "gender", nationality: "nationality", expiry: "expiry" };
      Object.keys(map).forEach(function (field) {
        var input = block.querySelector("[data-field=" + field + "]");
        if (input) input.value = opt.getAttribute("data-" + map[field]) || "";
      });
      var passport = block.querySelector("[data-field=passport]");
      var hint = block.querySelector("[data-passport-hint]");
      var masked = opt.getAttribute("data-masked") || "";
      if (passport) {
        passport.value = "";
        passport.placeholder = masked;
      }
      if (hint) hint.textContent = masked ? (hint.getAttribute("data-saved-text") || "").replace("{masked}", masked) : "";
    });
  });

  // A form sent once: its buttons lock after the click (the button's own value still goes).
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) {
          b.disabled = true;
          b.setAttribute("aria-busy", "true");
        });
      }, 0);
    });
  });

  // After a refused submit, take the reader to the summary of what to fix.
  var summary = document.querySelector(".checkout #form-error");
  if (summary && summary.focus) summary.focus();
})();
