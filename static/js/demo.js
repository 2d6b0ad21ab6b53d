/* The demo social page: post the signed launch into the Shop tab's frame on load, as a
   platform's page did. The form also has a button, so it works without this script. */
(function () {
  "use strict";
  var form = document.querySelector("[data-demo-launch]");
  if (form) form.submit();
})();
