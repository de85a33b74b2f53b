/* The partners' badge scanner: the shared camera reader (qr-camera.js), filling the
   badge code field and sending the form (htmx answers with the result). */
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  if (!form) { return; }
  var input = form.querySelector("input[name=code]");
  var video = document.getElementById("camera");
  var canvas = document.getElementById("camera-frame");
  var last = "", lastAt = 0;

  document.body.addEventListener("htmx:afterRequest", function () {
    form.reset();
    input.focus();
  });

  function submitCode(code) {
    var now = Date.now();
    if (code === last && now - lastAt < 4000) { return; }
    last = code; lastAt = now;
    input.value = code;
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }

  document.getElementById("camera-start").addEventListener("click", function () {
    window.RideauQR.start(video, canvas, submitCode, function () {
      document.getElementById("camera-error").hidden = false;
    });
  });
})();
