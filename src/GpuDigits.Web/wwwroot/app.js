// The page of `gpudigits serve`: a drawing pad classified as the stroke goes, a picture drop, and the run folders'
// curves, polled while they train. Everything it shows comes from the server's JSON API (/api/...).
"use strict";

const $ = (id) => document.getElementById(id);
const pad = $("pad");
const ink = pad.getContext("2d");
const strokes = [];          // every stroke: { width, points: [[x, y], ...] }, for undo
let drawing = null;          // the stroke under the pointer
let models = [];             // [{ value, label }]: "" is the served model, else a run's name
let busy = false, again = false;
let generation = 0;          // bumped by clear, undo and a new picture: an answer to an older request is not shown
let selectedRun = null, shownEpochs = -1;

// ---- drawing ----
const InkWidth = 20;         // on the 280 px pad; the preprocessing scales the digit's box to 20 of 28 pixels

function blank() {
  ink.fillStyle = "#fff";
  ink.fillRect(0, 0, pad.width, pad.height);
}

function paint(stroke) {
  ink.strokeStyle = "#000";
  ink.fillStyle = "#000";
  ink.lineCap = "round";
  ink.lineJoin = "round";
  ink.lineWidth = stroke.width;
  const p = stroke.points;
  if (p.length === 1) {
    ink.beginPath(); ink.arc(p[0][0], p[0][1], stroke.width / 2, 0, 2 * Math.PI); ink.fill();
    return;
  }
  ink.beginPath();
  ink.moveTo(p[0][0], p[0][1]);
  for (let i = 1; i < p.length; i++) ink.lineTo(p[i][0], p[i][1]);
  ink.stroke();
}

function redraw() {
  blank();
  strokes.forEach(paint);
}

function at(event) {
  const box = pad.getBoundingClientRect();
  return [(event.clientX - box.left) * pad.width / box.width, (event.clientY - box.top) * pad.height / box.height];
}

pad.addEventListener("pointerdown", (event) => {
  event.preventDefault();
  pad.setPointerCapture(event.pointerId);
  const pressure = event.pointerType === "pen" && event.pressure > 0 ? 0.5 + event.pressure : 1;
  drawing = { width: InkWidth * pressure, points: [at(event)] };
  strokes.push(drawing);
  paint(drawing);
  classifyDrawing();
});

pad.addEventListener("pointermove", (event) => {
  if (!drawing) return;
  const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
  for (const e of events.length ? events : [event]) drawing.points.push(at(e));
  redraw();
  classifyDrawing();
});

function endStroke() {
  if (!drawing) return;
  drawing = null;
  classifyDrawing();
}
pad.addEventListener("pointerup", endStroke);
pad.addEventListener("pointercancel", endStroke);

$("clear").addEventListener("click", () => {
  generation++;
  strokes.length = 0;
  redraw();
  showNothing();
});

$("undo").addEventListener("click", () => {
  generation++;
  strokes.pop();
  redraw();
  if (strokes.length) classifyDrawing(); else showNothing();
});

// One request at a time: a stroke that moves while one is out asks again when it returns. The answer area is
// aria-busy from the first request until the last one's answer is shown.
function classifyDrawing() {
  if (busy) { again = true; return; }
  busy = true;
  setBusy(true);
  pad.toBlob(async (blob) => {
    try { await classify(blob, "image/png"); }
    finally {
      busy = false;
      if (again && strokes.length) { again = false; classifyDrawing(); }
      else { again = false; setBusy(false); }
    }
  }, "image/png");
}

const setBusy = (on) => $("answer").setAttribute("aria-busy", on ? "true" : "false");

// ---- pictures ----
const drop = $("drop");
drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  const file = event.dataTransfer && event.dataTransfer.files[0];
  if (file) classifyFile(file);
});
$("file").addEventListener("change", (event) => {
  const file = event.target.files[0];
  if (file) classifyFile(file);
  event.target.value = "";
});

async function classifyFile(file) {
  generation++;
  strokes.length = 0;
  redraw();
  setBusy(true);
  try { await classify(file, file.type || "application/octet-stream", file.name); }
  finally { if (!busy) setBusy(false); }
}

// ---- the answer ----
async function classify(body, type, name) {
  const asked = generation;
  const run = $("model-select").value;
  let response;
  try {
    response = await fetch("/api/predict" + (run ? "?run=" + encodeURIComponent(run) : ""), {
      method: "POST", headers: { "Content-Type": type }, body,
    });
  } catch (e) {
    return say("The server does not answer: " + e.message);
  }
  const answer = await response.json().catch(() => ({ error: "the server's answer is not JSON" }));
  if (asked !== generation) return;
  if (!response.ok) {
    showNothing();
    return say(answer.error || ("HTTP " + response.status));
  }
  show(answer, name);
}

function show(answer, name) {
  const top = $("top");
  top.dataset.class = String(answer.top);
  const label = answer.classes[answer.top];
  top.textContent = label === String(answer.top) ? label : answer.top + " " + label;
  say((name ? name + ": " : "") + percent(answer.probabilities[answer.top]) + " by " + answer.model + " on " + answer.device);
  const bars = $("bars");
  bars.replaceChildren(...answer.probabilities.map((p, c) => {
    const row = element("div", "bar" + (c === answer.top ? " best" : ""));
    row.dataset.class = String(c);
    const track = element("div", "track");
    const fill = element("div", "fill");
    fill.style.width = (100 * p).toFixed(1) + "%";
    track.append(fill);
    row.append(element("span", "name", answer.classes[c] === String(c) ? String(c) : c + " " + answer.classes[c]), track,
      element("span", "value", percent(p)));
    return row;
  }));
  const seen = $("seen").getContext("2d");
  const image = seen.createImageData(28, 28);
  answer.pixels.forEach((v, i) => { image.data.set([v, v, v, 255], 4 * i); });
  seen.putImageData(image, 0, 0);
}

function showNothing() {
  const top = $("top");
  top.dataset.class = "";
  top.innerHTML = "&nbsp;";
  $("bars").replaceChildren();
  say("");
  const seen = $("seen").getContext("2d");
  seen.fillStyle = "#000";
  seen.fillRect(0, 0, 28, 28);
}

const say = (text) => { $("message").textContent = text; };
const percent = (p) => (100 * p).toFixed(2) + " %";

function element(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

// ---- runs ----
async function getJson(url) {
  const response = await fetch(url, { cache: "no-store" });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || ("HTTP " + response.status));
  return body;
}

function runState(run) {
  const epochs = run.totalEpochs ? "epoch " + run.epochs + " of " + run.totalEpochs : run.epochs + " epoch" + (run.epochs === 1 ? "" : "s");
  const accuracy = run.lastAccuracy == null ? "" : " · test " + percent(run.lastAccuracy);
  const eta = run.running ? " · training" + (run.etaSeconds == null ? "" : ", about " + Math.ceil(run.etaSeconds) + " s left") : "";
  return epochs + accuracy + eta;
}

async function refreshRuns() {
  let runs;
  try { runs = await getJson("/api/runs"); }
  catch (e) { $("runs-empty").textContent = "Runs: " + e.message; return; }
  $("runs-empty").textContent = runs.length ? "" : "No run folders here yet: 'gpudigits train --out <runs>/NAME' makes one.";
  const list = $("runs");
  list.replaceChildren(...runs.map((run) => {
    const item = element("li");
    const button = element("button", run.name === selectedRun ? "selected" : "");
    button.type = "button";
    button.dataset.run = run.name;
    button.append(run.name, element("span", "state" + (run.running ? " running" : ""), runState(run)));
    button.addEventListener("click", () => selectRun(run.name));
    item.append(button);
    return item;
  }));
  updateModels(runs);
  const current = runs.find((r) => r.name === selectedRun);
  if (current) {
    $("run-status").textContent = runState(current);
    if (current.epochs !== shownEpochs) await drawChart(current).catch((e) => { $("run-status").textContent = e.message; });
  }
}

function updateModels(runs) {
  const select = $("model-select");
  const wanted = [];
  if (serverInfo && serverInfo.model) wanted.push({ value: "", label: serverInfo.model });
  for (const run of runs) if (run.model) wanted.push({ value: run.name, label: run.name + "/" + run.model });
  if (JSON.stringify(wanted) === JSON.stringify(models)) return;
  const keep = select.value;
  models = wanted;
  select.replaceChildren(...wanted.map((m) => { const o = element("option", "", m.label); o.value = m.value; return o; }));
  if (wanted.some((m) => m.value === keep)) select.value = keep;
}

async function selectRun(name) {
  selectedRun = name;
  shownEpochs = -1;
  $("run").hidden = false;
  $("run-title").textContent = name;
  $("sheet").hidden = true;
  $("sheet-message").textContent = "";
  document.querySelectorAll("#runs button").forEach((b) => b.classList.toggle("selected", b.dataset.run === name));
  try { await drawChart((await getJson("/api/runs/" + encodeURIComponent(name))).run); }
  catch (e) { $("run-status").textContent = e.message; }
}

async function drawChart(run) {
  $("run-status").textContent = runState(run);
  if (run.epochs === 0) { $("chart").replaceChildren(); shownEpochs = 0; return; }
  const response = await fetch("/api/runs/" + encodeURIComponent(run.name) + "/chart.svg", { cache: "no-store" });
  if (!response.ok || run.name !== selectedRun) return;
  const svg = new DOMParser().parseFromString(await response.text(), "image/svg+xml").documentElement;
  const chart = $("chart");
  chart.replaceChildren(document.importNode(svg, true));
  chart.dataset.epochs = String(run.epochs);
  shownEpochs = run.epochs;
}

$("show-sheet").addEventListener("click", async () => {
  if (!selectedRun) return;
  const url = "/api/runs/" + encodeURIComponent(selectedRun) + "/sheet.svg?at=" + Date.now();
  $("sheet-message").textContent = "Classifying the test set...";
  const response = await fetch(url);
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    $("sheet-message").textContent = body.error || ("HTTP " + response.status);
    return;
  }
  const sheet = $("sheet");
  sheet.src = URL.createObjectURL(await response.blob());
  sheet.hidden = false;
  $("sheet-message").textContent = "";
});

// ---- start ----
let serverInfo = null;
async function start() {
  blank();
  showNothing();
  try {
    serverInfo = await getJson("/api/info");
    $("server").textContent = (serverInfo.model ? "Model " + serverInfo.model + " (" + serverInfo.architecture + ")" : "No --model: choose a run's model")
      + " · device " + serverInfo.device;
  } catch (e) {
    $("server").textContent = "The server does not answer: " + e.message;
    return;
  }
  if (!serverInfo.runs) {
    $("runs-empty").textContent = "Start serve with --runs DIR to see run folders here.";
    updateModels([]);
    return;
  }
  // Live curves: the runs (and so their metrics.csv) polled, one request out at a time.
  const poll = async () => { try { await refreshRuns(); } finally { setTimeout(poll, 1000); } };
  await poll();
}
start();
