/* Deferred CSRF tokens for post forms on cacheable pages (see reviews/views.py).
 *
 * Such a form carries an empty csrf_token, data-deferred-csrf (its value, if any, the token's
 * address) and, optionally, data-action="<its real address>" with the no-script confirmation page
 * as its plain action (`url_for("review_pages.confirm_form", to=<real address>)`). On
 * submit, this fetches a token for the visitor's session (same origin, never cached), fills it in,
 * points the form at its real address and sends it. If the token cannot be had (offline, an
 * error), the form goes to the confirmation page instead, which still works.
 */
(function () {
  "use strict";
  if (!window.fetch) { return; }
  // The token's address when the form does not name it (data-deferred-csrf with no value).
  var DEFAULT_TOKEN_URL = "/forms/token";

  function hiddenInput(form, name) {
    var input = form.querySelector('input[name="' + name + '"]');
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.appendChild(input);
    }
    return input;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-deferred-csrf") || event.defaultPrevented) {
      return;
    }
    event.preventDefault();
    if (form.getAttribute("data-sending") === "true") { return; }
    form.setAttribute("data-sending", "true");
    var submitter = event.submitter;

    function send() {
      // form.submit() sends no submit button: carry the one pressed, if it has a name.
      if (submitter && submitter.name) { hiddenInput(form, submitter.name).value = submitter.value; }
      HTMLFormElement.prototype.submit.call(form);
    }

    fetch(form.getAttribute("data-deferred-csrf") || DEFAULT_TOKEN_URL, {
      credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("no token"); }
      return response.json();
    }).then(function (data) {
      hiddenInput(form, "csrf_token").value = data.csrf_token;
      var action = form.getAttribute("data-action");
      if (action) { form.setAttribute("action", action); }
    }).catch(function () {
      // Leave the form as it is: it goes to the confirmation page, which needs no script.
    }).then(send);
  });

  // Back from the next page (the browser's page cache), a form may be sent again.
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-sending]"), function (form) {
      form.removeAttribute("data-sending");
    });
  });
})();
