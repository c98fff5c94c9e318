// Anju's own small script. Pages work without it; it only adds comforts.
// Confirm buttons marked data-confirm before their form is sent.
document.addEventListener("submit", function (e) {
  var b = e.submitter;
  var msg = (b && b.getAttribute("data-confirm")) || e.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { e.preventDefault(); }
});
