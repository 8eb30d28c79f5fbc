// Small behaviours of every page, here rather than in inline handlers: the site's Content
// Security Policy runs no inline script.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-print]");
  if (button) { event.preventDefault(); window.print(); }
});
document.addEventListener("change", function (event) {
  const select = event.target;
  if (select.matches("select[data-submit]")) select.form.submit();
  if (select.matches("select[data-go]")) location.href = select.value;
});
document.addEventListener("submit", function (event) {
  const form = event.target;
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
  if (form.matches("[data-go-form]")) { event.preventDefault(); location.href = form.elements.child.value; }
});

// A form with data-unsaved asks before the page is left with what was typed in it unsaved.
let unsaved = null;
document.addEventListener("input", function (event) {
  const form = event.target.form;
  if (form && form.dataset.unsaved) unsaved = form;
});
document.addEventListener("change", function (event) {
  const form = event.target.form;
  if (form && form.dataset.unsaved) unsaved = form;
});
document.addEventListener("submit", function (event) {
  if (event.target === unsaved) unsaved = null;
});
window.addEventListener("beforeunload", function (event) {
  if (unsaved) { event.preventDefault(); event.returnValue = unsaved.dataset.unsaved; }
});
