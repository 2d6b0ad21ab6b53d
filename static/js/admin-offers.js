// The offer form: show only the fields that matter for the chosen benefit, target and audience.
// Without this file every field shows, and the server ignores the ones that do not apply.
(function () {
  "use strict";

  function update(form) {
    form.querySelectorAll("[data-show-when]").forEach(function (box) {
      var control = form.querySelector("[data-offer-switch='" + box.getAttribute("data-show-when") + "']");
      if (!control) { return; }
      var values = box.getAttribute("data-show-values").split(" ");
      box.hidden = values.indexOf(control.value) === -1;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector(".offer-form");
    if (!form) { return; }
    form.addEventListener("change", function (event) {
      if (event.target.hasAttribute("data-offer-switch")) { update(form); }
    });
    update(form);
  });
})();
