/* The camera QR reader, one for every page that reads codes: the check-in scanner, the
   partners' badge scanner and the box office's code fields. It uses the browser's own
   BarcodeDetector where there is one, else the vendored jsQR (vendor/jsQR-1.4.0.js,
   Apache-2.0, loaded by the page). A handheld scanner typing into the field keeps working:
   the camera is only an extra way to fill it.

   Script use: RideauQR.start(video, canvas, onCode, onError) reads codes until
   RideauQR.stop(video); onCode(text) gets every frame's code (the caller drops repeats).

   Declarative use (the box office): a button `data-qr-for="<field id>"` opens the camera
   under it; the first code read fills the field, closes the camera and, with
   `data-qr-submit`, sends the field's form. */
(function () {
  "use strict";

  function detector() {
    if (!("BarcodeDetector" in window)) { return Promise.resolve(null); }
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      return formats.indexOf("qr_code") >= 0 ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
    }).catch(function () { return null; });
  }

  function withJsQR(video, canvas) {
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    var context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    var image = context.getImageData(0, 0, canvas.width, canvas.height);
    var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
    return found && found.data ? found.data : "";
  }

  function start(video, canvas, onCode, onError) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      onError();
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      return detector().then(function (native) {
        if (!native && !window.jsQR) { throw new Error("no QR decoder"); }
        var busy = false;
        function tick() {
          if (!video.srcObject) { return; }  // stopped
          if (!busy && video.readyState === video.HAVE_ENOUGH_DATA) {
            if (native) {
              busy = true;
              native.detect(video).then(function (codes) {
                busy = false;
                if (codes.length && codes[0].rawValue && video.srcObject) { onCode(codes[0].rawValue.trim()); }
              }).catch(function () { busy = false; });
            } else {
              var text = withJsQR(video, canvas);
              if (text) { onCode(text.trim()); }
            }
          }
          window.requestAnimationFrame(tick);
        }
        window.requestAnimationFrame(tick);
      });
    }).catch(function () {
      stop(video);
      onError();
    });
  }

  function stop(video) {
    var stream = video.srcObject;
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
    video.srcObject = null;
    video.hidden = true;
  }

  window.RideauQR = { start: start, stop: stop };

  // --- declarative buttons: data-qr-for="<field id>" [data-qr-submit] ---------------------
  document.querySelectorAll("[data-qr-for]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-qr-for"));
    if (!field) { return; }
    var box = document.createElement("div");
    box.className = "qr-reader";
    box.hidden = true;
    var video = document.createElement("video");
    video.setAttribute("playsinline", "");
    video.muted = true;
    video.hidden = true;
    var canvas = document.createElement("canvas");
    canvas.hidden = true;
    var error = document.createElement("p");
    error.setAttribute("role", "alert");
    error.hidden = true;
    error.textContent = button.getAttribute("data-qr-error") || "";
    box.appendChild(video);
    box.appendChild(canvas);
    button.insertAdjacentElement("afterend", box);
    button.insertAdjacentElement("afterend", error);
    var label = button.textContent;
    var open = false;

    function close() {
      open = false;
      stop(video);
      box.hidden = true;
      button.textContent = label;
      button.setAttribute("aria-pressed", "false");
    }

    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function () {
      if (open) { close(); return; }
      open = true;
      error.hidden = true;
      box.hidden = false;
      button.textContent = button.getAttribute("data-qr-stop") || label;
      button.setAttribute("aria-pressed", "true");
      start(video, canvas, function (code) {
        if (!open) { return; }
        close();
        field.value = code;
        field.dispatchEvent(new Event("input", { bubbles: true }));
        field.focus();
        if (button.hasAttribute("data-qr-submit") && field.form) {
          if (field.form.requestSubmit) { field.form.requestSubmit(); } else { field.form.submit(); }
        }
      }, function () {
        close();
        error.hidden = false;
      });
    });
  });
})();
