// Booking pages, progressively enhanced. Without this file every form still works: the hold's
// end time is printed, saved travellers are prefilled by the server, and a second submit is
// answered by the server's idempotency. With it: a live countdown to the hold's end, a
// passenger filled from a saved traveller on choosing one, buttons that lock once pressed, and
// the payment providers' own widgets (Stripe's card field, Klarna, WeChat's payment sheet).
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

  // Klarna: a session from our server, Klarna's widget in the page, and on paying Klarna's own
  // authorisation, whose token is all we are sent.
  document.querySelectorAll("form[data-pay-form]").forEach(function (form) {
    var box = form.querySelector("[data-klarna]");
    if (!box) return;
    var token = box.querySelector("[data-klarna-token]");
    var problem = box.querySelector("[data-klarna-error]");
    var csrf = form.querySelector("input[name=csrf_token]");
    var category = null;
    var loading = null;
    function say(text) {
      problem.textContent = text || "";
      problem.hidden = !text;
    }
    function chosen() {
      var r = form.querySelector("[data-method-choice]:checked");
      return r ? r.value : "card";
    }
    function unlock() {
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) {
          b.disabled = false;
          b.removeAttribute("aria-busy");
        });
      }, 10);
    }
    function start() {
      if (loading) return loading;
      loading = new Promise(function (resolve, reject) {
        if (!window.Klarna || !window.Klarna.Payments) {
          reject(box.getAttribute("data-failed-text"));
          return;
        }
        fetch(box.getAttribute("data-session-url"), {
          method: "POST",
          credentials: "same-origin",
          headers: { "x-csrf-token": csrf ? csrf.value : "" }
        }).then(function (r) {
          return r.json().then(function (body) { return { ok: r.ok, body: body }; });
        }).then(function (a) {
          if (!a.ok) {
            reject(a.body.error || box.getAttribute("data-failed-text"));
            return;
          }
          category = (a.body.categories || [])[0] || "klarna";
          window.Klarna.Payments.init({ client_token: a.body.client_token });
          window.Klarna.Payments.load(
            { container: "#klarna-container", payment_method_category: category }, {},
            function (res) {
              if (res && res.show_form) resolve();
              else reject(box.getAttribute("data-refused-text"));
            });
        }, function () { reject(box.getAttribute("data-failed-text")); });
      });
      // A session that could not be opened is asked for again next time.
      loading.then(null, function (text) { say(text); loading = null; });
      return loading;
    }
    form.querySelectorAll("[data-method-choice]").forEach(function (r) {
      r.addEventListener("change", function () { if (chosen() === "klarna") start(); });
    });
    if (chosen() === "klarna") start();
    form.addEventListener("submit", function (e) {
      if (chosen() !== "klarna" || token.value) return;
      e.preventDefault();
      say("");
      start().then(function () {
        window.Klarna.Payments.authorize({ payment_method_category: category }, {}, function (res) {
          if (res && res.approved && res.authorization_token) {
            token.value = res.authorization_token;
            form.submit();
            return;
          }
          // Not approved: closed by the traveller (the form stays, try again) or refused.
          if (!res || !res.show_form) say(box.getAttribute("data-refused-text"));
          unlock();
        });
      }, function () { unlock(); });
    });
  });

  // Inside WeChat: WeChat's own payment sheet for the order (WeixinJSBridge, which WeChat's
  // browser provides). Paid: the server is asked to check; cancelled or failed: said, and the
  // sheet can be opened again or another way chosen.
  document.querySelectorAll("[data-wechat-invoke]").forEach(function (box) {
    var args;
    try { args = JSON.parse(box.getAttribute("data-wechat-invoke")); } catch (err) { return; }
    var problem = box.querySelector("[data-wechat-problem]");
    var button = box.querySelector("[data-wechat-open]");
    var check = document.querySelector("[data-wechat-check]");
    function open() {
      if (typeof window.WeixinJSBridge === "undefined") return;
      window.WeixinJSBridge.invoke("getBrandWCPayRequest", args, function (res) {
        var msg = (res && res.err_msg) || "";
        if (msg === "get_brand_wcpay_request:ok") {
          if (check) check.click();
          return;
        }
        var cancelled = msg === "get_brand_wcpay_request:cancel";
        problem.textContent = box.getAttribute(cancelled ? "data-cancelled-text" : "data-failed-text");
        problem.hidden = false;
      });
    }
    if (button) button.addEventListener("click", open);
    if (typeof window.WeixinJSBridge === "undefined") {
      document.addEventListener("WeixinJSBridgeReady", open, false);
    } else {
      open();
    }
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
