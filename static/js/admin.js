// Back-office enhancements. Every page works without this file: forms post normally, and the
// import page refreshes itself through a <noscript> meta refresh.
(function () {
  "use strict";

  // Ask before destructive posts (forms marked data-confirm).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // A canned reply goes into the reply box that follows its picker, after what staff typed there:
  // without script the picker reloads the page, which loses that and the other boxes' text.
  document.addEventListener("submit", function (event) {
    var picker = event.target;
    if (!picker.matches || !picker.matches("form[data-canned-bodies]")) { return; }
    var bodies = JSON.parse(picker.getAttribute("data-canned-bodies") || "{}");
    var chosen = picker.querySelector("select");
    var reply = picker.nextElementSibling && picker.nextElementSibling.querySelector("textarea");
    var body = chosen && bodies[chosen.value];
    if (!reply || !body) { return; }
    event.preventDefault();
    reply.value = reply.value.trim() ? reply.value.replace(/\s+$/, "") + "\n\n" + body : body;
    reply.dispatchEvent(new Event("input", { bubbles: true }));
    reply.focus();
  });

  // Import progress: poll the JSON endpoint and move the bar; reload once the job has finished
  // so the server renders the summary or the list of bad rows.
  function watchImport(box) {
    var url = box.getAttribute("data-progress-url");
    var bar = box.querySelector("[data-bar]");
    var percent = box.querySelector("[data-percent]");
    var count = box.querySelector("[data-count]");
    var status = box.querySelector("[data-status]");
    var labels = JSON.parse(box.getAttribute("data-labels") || "{}");
    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
        .then(function (progress) {
          bar.value = progress.percent;
          bar.textContent = progress.percent + "%";
          percent.textContent = progress.percent + "%";
          if (status && labels[progress.status]) {
            status.textContent = labels[progress.status];
            status.className = "badge status-" + progress.status;
          }
          if (count) { count.textContent = progress.processed_rows + " / " + progress.total_rows; }
          if (progress.finished) { window.location.reload(); } else { window.setTimeout(poll, 700); }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    poll();
  }

  // "Select all on this page" ticks the page's boxes; unticking one unticks it (the server reads
  // it as "every product on the page").
  document.addEventListener("change", function (event) {
    var box = event.target, all = document.querySelector("[data-select-all]");
    if (!all || box.type !== "checkbox") { return; }
    var boxes = document.querySelectorAll("input[type=checkbox][name=" + all.getAttribute("data-select-all") + "]");
    if (box === all) {
      boxes.forEach(function (each) { each.checked = all.checked; });
    } else if (box.name === all.getAttribute("data-select-all")) {
      all.checked = Array.prototype.every.call(boxes, function (each) { return each.checked; });
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("import-job");
    if (box && box.getAttribute("data-finished") === "false") {
      watchImport(box);
    }
  });
})();
