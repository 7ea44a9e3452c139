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

  // The payment page: show the fields of the chosen way of paying; with Stripe, tokenise the
  // card in the browser (Stripe.js posts it to Stripe; only the pm_… token comes to us).
  document.querySelectorAll("form[data-pay-form]").forEach(function (form) {
    var radios = form.querySelectorAll("[data-method-choice]");
    function chosen() {
      var m = "card";
      radios.forEach(function (r) { if (r.checked) m = r.value; });
      return m;
    }
    function show() {
      var m = chosen();
      form.querySelectorAll("[data-for-method]").forEach(function (el) {
        el.hidden = el.getAttribute("data-for-method").split(" ").indexOf(m) < 0;
      });
    }
    radios.forEach(function (r) { r.addEventListener("change", show); });
    show();

    var key = form.getAttribute("data-stripe-key");
    var mount = form.querySelector("[data-stripe-card]");
    if (!key || !mount || typeof window.Stripe !== "function") return;
    var stripe = window.Stripe(key);
    var card = stripe.elements({ locale: document.documentElement.lang || "auto" }).create("card");
    card.mount(mount);
    var problem = form.querySelector("[data-stripe-error]");
    var token = form.querySelector("[data-stripe-token]");
    function savedChosen() {
      var s = form.querySelector("input[name=payment_method]:checked");
      return s && s.hasAttribute("data-saved-card");
    }
    function unlock() {
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) {
          b.disabled = false;
          b.removeAttribute("aria-busy");
        });
      }, 10);
    }
    form.addEventListener("submit", function (e) {
      var m = chosen();
      if ((m !== "card" && m !== "instalments") || savedChosen() || token.value) return;
      e.preventDefault();
      stripe.createPaymentMethod({ type: "card", card: card }).then(function (r) {
        if (r.error) {
          problem.textContent = r.error.message;
          problem.hidden = false;
          unlock();
          return;
        }
        token.value = r.paymentMethod.id;
        form.submit();
      }, function () { unlock(); });
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

  // Waiting for a payment provider's answer: look again in a few seconds.
  document.querySelectorAll("[data-refresh-after]").forEach(function (el) {
    var secs = parseInt(el.getAttribute("data-refresh-after"), 10) || 5;
    window.setTimeout(function () { window.location.reload(); }, secs * 1000);
  });

  // After a refused submit, take the reader to the summary of what to fix.
  var summary = document.querySelector(".checkout #form-error");
  if (summary && summary.focus) summary.focus();
})();
