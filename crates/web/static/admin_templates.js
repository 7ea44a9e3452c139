// The template editor's live preview. Without this file the form's Preview button renders the
// preview on the server. With it, a pause in typing sends the text to the preview API
// (POST /api/v1/admin/templates/preview) and shows what comes back: the subject and text, an
// e-mail's HTML part in the sandboxed frame, an SMS's parts and encoding, or the problems
// (unknown variable, syntax error …) in the admin's language. Nothing is saved from here.
(function () {
  "use strict";

  var form = document.querySelector("form[data-template-form]");
  var box = document.querySelector("[data-preview]");
  if (!form || !box || !window.fetch || !window.JSON) return;

  var subject = form.querySelector("[name=subject]");
  var body = form.querySelector("[name=body]");
  var status = box.querySelector("[data-preview-status]");
  var problemsBox = box.querySelector("[data-problems-box]");
  var problemsList = box.querySelector("[data-problems]");
  var output = box.querySelector("[data-preview-output]");
  var outSubject = box.querySelector("[data-preview-subject]");
  var outText = box.querySelector("[data-preview-text]");
  var outFrame = box.querySelector("[data-preview-frame]");
  var outSegments = box.querySelector("[data-preview-segments]");
  var outEncoding = box.querySelector("[data-preview-encoding]");
  var csrf = form.querySelector("input[name=csrf_token]");

  // The GSM 7-bit alphabet and its extension table, as the server's sms::segments counts
  // them: a text with any other character is sent as UCS-2. (The part count comes from the
  // server; only the encoding's name is worked out here.)
  var GSM = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà" + "\f^{}\\[~]|€";
  function isGsm(text) {
    for (var i = 0; i < text.length; i++) {
      if (GSM.indexOf(text.charAt(i)) < 0) return false;
    }
    return true;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }

  function say(text) {
    if (status) status.textContent = text || "";
  }

  function showProblems(list, fallback) {
    while (problemsList.firstChild) problemsList.removeChild(problemsList.firstChild);
    var items = list && list.length ? list : [{ message: fallback }];
    items.forEach(function (p) {
      var li = document.createElement("li");
      if (p.message !== undefined) {
        li.textContent = p.message;
      } else {
        var kind = problemsList.getAttribute("data-kind-" + p.kind);
        var message = kind ? fill(kind, { detail: p.detail || "" }) : (p.detail || "");
        var field = problemsList.getAttribute(p.field === "subject" ? "data-field-subject" : "data-field-body");
        li.textContent = p.line
          ? fill(problemsList.getAttribute("data-at-line"), { field: field, line: p.line, message: message })
          : fill(problemsList.getAttribute("data-in-field"), { field: field, message: message });
        li.setAttribute("data-kind", p.kind || "");
      }
      problemsList.appendChild(li);
    });
    problemsBox.hidden = false;
    // The last good rendering stays, dimmed, so the layout does not jump while typing.
    if (output) output.classList.add("is-stale");
  }

  function showPreview(p) {
    problemsBox.hidden = true;
    while (problemsList.firstChild) problemsList.removeChild(problemsList.firstChild);
    if (outSubject) outSubject.textContent = p.subject || "";
    if (outText) outText.textContent = p.text || "";
    if (outFrame && typeof p.html === "string") outFrame.srcdoc = p.html;
    if (outSegments && p.segments !== null && p.segments !== undefined) outSegments.textContent = String(p.segments);
    if (outEncoding) {
      outEncoding.textContent = outEncoding.getAttribute(isGsm(p.text || "") ? "data-gsm7" : "data-ucs2");
    }
    if (output) {
      output.hidden = false;
      output.classList.remove("is-stale");
    }
  }

  var seq = 0;
  var timer = null;

  function run() {
    var mine = ++seq;
    var payload = {
      event: form.getAttribute("data-event"),
      channel: form.getAttribute("data-channel"),
      locale: form.getAttribute("data-locale"),
      body: body ? body.value : ""
    };
    if (subject) payload.subject = subject.value;
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "content-type": "application/json",
        "accept": "application/json",
        "x-csrf-token": csrf ? csrf.value : ""
      },
      body: JSON.stringify(payload)
    })
      .then(function (res) {
        return res.json().then(function (data) {
          return { status: res.status, data: data };
        }, function () {
          return { status: res.status, data: null };
        });
      })
      .then(function (r) {
        if (mine !== seq) return;
        if (r.status === 200 && r.data) {
          say("");
          showPreview(r.data);
        } else if (r.status === 422 && r.data && r.data.error) {
          say("");
          var details = r.data.error.details || {};
          showProblems(details.problems, r.data.error.message);
        } else {
          say(status && status.getAttribute("data-failed"));
        }
      })
      .catch(function () {
        if (mine === seq) say(status && status.getAttribute("data-failed"));
      });
  }

  function schedule() {
    say(status && status.getAttribute("data-updating"));
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(run, 350);
  }

  form.querySelectorAll("[data-template-input]").forEach(function (el) {
    el.addEventListener("input", schedule);
  });
  form.setAttribute("data-live-preview", "on");
})();
