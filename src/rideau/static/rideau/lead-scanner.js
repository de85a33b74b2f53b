/* The partners' badge scanner: the check-in scanner's camera loop (jsQR), filling the
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

  function tick() {
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      var context = canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (found && found.data) { submitCode(found.data.trim()); }
    }
    window.requestAnimationFrame(tick);
  }

  document.getElementById("camera-start").addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      document.getElementById("camera-error").hidden = false;
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      window.requestAnimationFrame(tick);
    }).catch(function () {
      document.getElementById("camera-error").hidden = false;
    });
  });
})();
