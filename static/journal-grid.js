// The class journal grid: type a mark and press Enter, it is saved at once (no reload); «н» or
// «оп» records the pupil absent or late. A refused entry stays marked at its cell with the reason
// beside it. Arrow keys move between cells. Click a mark to change it, comment on it or delete it
// in place; "⋯" shows the cell's history. Each column's work type is remembered in this browser.
(function () {
  const grid = document.getElementById("grid");
  if (!grid) return;
  const status = document.getElementById("status");
  const history = document.getElementById("history");
  const values = grid.dataset.values.split(" ");
  const canWrite = grid.dataset.canWrite === "1";
  const csrf = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1];

  function say(text, bad) { status.textContent = text; status.className = bad ? "error" : "ok"; }

  // Open at today: the first lesson from today on (or the last one) scrolled into view beside the names.
  (function scrollToToday() {
    const wrap = document.getElementById("grid-wrap");
    const today = new Date().toLocaleDateString("sv");  // YYYY-MM-DD, the local date
    const heads = Array.from(grid.tHead.rows[0].querySelectorAll("th.lesson"));
    const target = heads.find((th) => th.dataset.date >= today) || heads[heads.length - 1];
    const names = grid.tHead.rows[0].querySelector("th.name");
    if (wrap && target && names) wrap.scrollLeft = Math.max(0, target.offsetLeft - names.offsetLeft - names.offsetWidth - 48);
  })();

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  async function api(method, url, body, key) {
    const headers = {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"};
    if (key) headers["Idempotency-Key"] = key;
    const response = await fetch(url, {
      method, credentials: "same-origin", headers,
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = response.status === 204 ? {} : await response.json();
    if (!response.ok) {
      const error = data.error || {};
      const fields = Object.values(error.fields || {}).flat().join(" ");
      throw new Error(fields || error.message || "Не сохранено");
    }
    return data;
  }

  // What a teacher may type besides a mark: the attendance of the lesson for that pupil.
  const ATTENDANCE = {"н": "absent", "оп": "late"};

  function workTypeFor(cell) {
    const index = cell.cellIndex;
    const select = grid.tHead.rows[0].cells[index].querySelector("select.work-type");
    return select ? Number(select.value) : null;
  }

  // The work type chosen over a column is kept for that lesson in this browser.
  for (const select of grid.querySelectorAll("select.work-type")) {
    const key = "work-type:" + select.closest("th").dataset.lesson;
    const kept = window.localStorage && localStorage.getItem(key);
    if (kept && select.querySelector('option[value="' + kept + '"]')) select.value = kept;
    select.addEventListener("change", () => { try { localStorage.setItem(key, select.value); } catch (e) { /* private mode */ } });
  }

  // A refused entry is marked where it was typed, not only in the status line below the grid.
  function refuse(input, text) {
    const cell = input.closest("td");
    let note = cell.querySelector(".cell-error");
    if (!note) {
      note = document.createElement("span");
      note.className = "cell-error"; note.id = "error-" + cell.dataset.lesson + "-" + cell.closest("tr").dataset.pupil;
      cell.appendChild(note);
    }
    note.textContent = text;
    input.setAttribute("aria-invalid", "true"); input.setAttribute("aria-describedby", note.id);
    say(text, true); input.select();
  }

  function accept(input) {
    const note = input.closest("td").querySelector(".cell-error");
    if (note) note.remove();
    input.removeAttribute("aria-invalid"); input.removeAttribute("aria-describedby");
  }

  function updateRow(row, data) {
    if (data.average === undefined) return;
    row.querySelector(".avg").textContent = data.average ?? "";
    row.querySelector(".avg").nextElementSibling.textContent = data.suggested ?? "";
  }

  function markSpan(mark) {
    const span = document.createElement("span");
    span.className = "mark"; span.dataset.mark = mark.id; span.textContent = mark.value;
    span.dataset.comment = mark.comment || ""; span.tabIndex = canWrite ? 0 : -1;
    span.title = mark.work_type_name + (mark.comment ? ": " + mark.comment : "");
    return span;
  }

  async function setAttendance(input, status) {
    const cell = input.closest("td"), row = cell.closest("tr");
    try {
      await api("PATCH", "/api/v1/lessons/" + cell.dataset.lesson + "/attendance/", {pupil: Number(row.dataset.pupil), status});
      let mark = cell.querySelector(".abs");
      if (!mark) { mark = document.createElement("span"); mark.className = "abs"; cell.insertBefore(mark, cell.firstChild); }
      mark.textContent = status === "absent" ? "н" : "оп";
      accept(input); input.value = "";
      say((status === "absent" ? "Отсутствовал(а): " : "Опоздал(а): ") + row.querySelector(".name").textContent.trim());
    } catch (error) { refuse(input, error.message); }
  }

  async function addMark(input) {
    const cell = input.closest("td"), row = cell.closest("tr");
    const value = input.value.trim().toLowerCase();
    if (!value) return;
    if (ATTENDANCE[value]) return setAttendance(input, ATTENDANCE[value]);
    if (!values.includes(value)) { refuse(input, "Не сохранено: отметка — " + values.join(", ") + "; «н» — отсутствовал"); return; }
    // One key per mark typed: Enter pressed twice, or a retry, sends the same key and gets the same mark.
    if (input.dataset.keyFor !== value) { input.dataset.key = newKey(); input.dataset.keyFor = value; }
    try {
      const data = await api("POST", "/api/v1/marks/", {
        lesson: Number(cell.dataset.lesson), pupil: Number(row.dataset.pupil), value, work_type: workTypeFor(cell),
      }, input.dataset.key);
      if (!cell.querySelector('.mark[data-mark="' + data.id + '"]')) cell.insertBefore(markSpan(data), input);
      delete input.dataset.key; delete input.dataset.keyFor;
      accept(input); input.value = "";
      updateRow(row, data);
      say("Сохранено: " + value + " — " + row.querySelector(".name").textContent.trim());
    } catch (error) { refuse(input, "Не сохранено: " + error.message); }
  }

  // A mark is changed, commented on or deleted in a small form beside it (no browser prompt).
  const editor = document.createElement("form");
  editor.className = "card mark-editor no-print"; editor.hidden = true;
  editor.innerHTML =
    '<label>Отметка <select name="value"></select></label> ' +
    '<label>Комментарий <input name="comment" maxlength="500" size="30"></label> ' +
    '<button type="submit">Сохранить</button> <button type="button" data-delete>Удалить</button> ' +
    '<button type="button" data-cancel>Отмена</button> <span class="error" role="alert"></span>';
  for (const value of values) editor.elements.value.add(new Option(value, value));
  document.body.appendChild(editor);
  let editing = null;

  function closeEditor() { editor.hidden = true; if (editing) editing.focus(); editing = null; }

  function editMark(span) {
    editing = span;
    editor.elements.value.value = span.textContent;
    editor.elements.comment.value = span.dataset.comment || "";
    editor.querySelector(".error").textContent = "";
    const box = span.getBoundingClientRect();
    editor.style.left = (window.scrollX + box.left) + "px"; editor.style.top = (window.scrollY + box.bottom + 4) + "px";
    editor.hidden = false; editor.elements.value.focus();
  }

  async function saveMark(remove) {
    const span = editing, row = span.closest("tr");
    try {
      if (remove) {
        const data = await api("DELETE", "/api/v1/marks/" + span.dataset.mark + "/");
        editing = span.closest("td").querySelector("input.entry"); span.remove(); updateRow(row, data);
        say("Отметка удалена (её можно восстановить из истории).");
      } else {
        const data = await api("PATCH", "/api/v1/marks/" + span.dataset.mark + "/",
                               {value: editor.elements.value.value, comment: editor.elements.comment.value.trim()});
        span.textContent = data.value; span.dataset.comment = data.comment || "";
        span.title = data.work_type_name + (data.comment ? ": " + data.comment : "");
        updateRow(row, data); say("Отметка изменена.");
      }
      closeEditor();
    } catch (error) { editor.querySelector(".error").textContent = error.message; }
  }

  editor.addEventListener("submit", (event) => { event.preventDefault(); saveMark(false); });
  editor.querySelector("[data-delete]").addEventListener("click", () => saveMark(true));
  editor.querySelector("[data-cancel]").addEventListener("click", closeEditor);
  editor.addEventListener("keydown", (event) => { if (event.key === "Escape") closeEditor(); });

  async function showHistory(cell) {
    const row = cell.closest("tr");
    const data = await api("GET", "/api/v1/history/?lesson=" + cell.dataset.lesson + "&pupil=" + row.dataset.pupil);
    history.innerHTML = "";
    const title = document.createElement("h3");
    title.textContent = "История: " + row.querySelector(".name").textContent.trim();
    history.appendChild(title);
    const list = document.createElement("ol");
    for (const entry of data.results) {
      const item = document.createElement("li");
      item.textContent = entry.at + " — " + entry.actor + " (" + (entry.ip || "—") + "): " + entry.action +
        (entry.old ? "; было " + entry.old : "") + (entry.new ? "; стало " + entry.new : "");
      if (entry.restorable) {
        const button = document.createElement("button");
        button.textContent = "восстановить";
        button.onclick = async () => {
          try { const mark = await api("POST", "/api/v1/marks/" + entry.mark + "/restore/");
            cell.insertBefore(markSpan(mark), cell.querySelector("input")); updateRow(row, mark);
            history.hidden = true; say("Отметка восстановлена."); } catch (error) { say(error.message, true); }
        };
        item.append(" ", button);
      }
      list.appendChild(item);
    }
    if (!data.results.length) list.textContent = "Изменений не было.";
    history.appendChild(list);
    const close = document.createElement("button");
    close.textContent = "Закрыть"; close.onclick = () => { history.hidden = true; };
    history.appendChild(close);
    history.hidden = false;
  }

  function move(input, dRow, dCol) {
    const cell = input.closest("td"), row = cell.closest("tr");
    const rows = Array.from(grid.tBodies[0].rows);
    let r = rows.indexOf(row), c = cell.cellIndex;
    for (let step = 0; step < 200; step++) {
      r += dRow; c += dCol;
      const target = rows[r] && rows[r].cells[c];
      if (!target) return;
      const next = target.querySelector("input.entry");
      if (next) { next.focus(); return; }
    }
  }

  for (const cell of grid.querySelectorAll("td.cell")) {
    const more = document.createElement("button");
    more.type = "button"; more.className = "hist no-print"; more.textContent = "⋯"; more.title = "История клетки";
    more.onclick = () => showHistory(cell).catch((e) => say(e.message, true));
    cell.appendChild(more);
    if (!canWrite || !cell.dataset.open) continue;
    const input = document.createElement("input");
    input.className = "entry no-print"; input.size = 2; input.maxLength = 2;
    input.setAttribute("aria-label", "Отметка или «н»: " + cell.closest("tr").querySelector(".name").textContent.trim());
    input.addEventListener("input", () => { if (input.getAttribute("aria-invalid")) accept(input); });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); addMark(input); }
      else if (event.key === "ArrowRight") move(input, 0, 1);
      else if (event.key === "ArrowLeft") move(input, 0, -1);
      else if (event.key === "ArrowDown") move(input, 1, 0);
      else if (event.key === "ArrowUp") move(input, -1, 0);
    });
    cell.insertBefore(input, more);
  }
  if (canWrite) {
    for (const span of grid.querySelectorAll("td.cell[data-open] span.mark")) span.tabIndex = 0;
    grid.addEventListener("click", (event) => {
      const span = event.target.closest("td.cell[data-open] span.mark");
      if (span) editMark(span);
    });
    grid.addEventListener("keydown", (event) => {
      const span = event.target.closest && event.target.closest("td.cell[data-open] span.mark");
      if (span && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); editMark(span); }
    });
  }
})();

// Final marks: click the last column to set the term's final mark (suggested from the average).
(function () {
  const grid = document.getElementById("grid");
  if (!grid || grid.dataset.canWrite !== "1") return;
  const csrf = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1];
  const status = document.getElementById("status");
  for (const cell of grid.querySelectorAll("td.final")) {
    cell.style.cursor = "pointer";
    cell.title = "Итоговая отметка за период";
    cell.addEventListener("click", async () => {
      const suggested = cell.previousElementSibling.textContent.trim();
      const value = window.prompt("Итоговая отметка за период (прогноз: " + (suggested || "—") + ")", cell.textContent.trim() || suggested);
      if (!value) return;
      const response = await fetch("/api/v1/final-marks/", {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
        body: JSON.stringify({pupil: Number(cell.dataset.pupil), subject: Number(grid.dataset.subject),
                              term: Number(grid.dataset.term), value: value.trim().toLowerCase()}),
      });
      const data = await response.json();
      if (response.ok) { cell.textContent = data.value; status.textContent = "Итоговая отметка сохранена."; status.className = "ok"; }
      else {
        const error = data.error || {};
        status.textContent = Object.values(error.fields || {}).flat().join(" ") || error.message; status.className = "error";
      }
    });
  }
})();
