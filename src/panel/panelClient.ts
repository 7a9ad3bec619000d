/**
 * The panel page's script (inlined by panelPage.ts). Plain browser JS: no template
 * literals and no backslashes, so the text below is exactly what the browser runs.
 * State comes from GET /panel/api/state once, then from the WebSocket (/panel/ws);
 * changes go out as POSTs with the session's CSRF token in a header.
 */
export const panelClientScript = `
(function () {
  'use strict';
  var S = { session: null, state: null, ws: null, retryMs: 1000, view: 'live', mix: {}, composed: {}, previewJob: null };
  var $ = function (id) { return document.getElementById(id); };
  var UNITS = { pressure: 'hPa', wind_speed: 'm/s', wind_gust: 'm/s', wind_direction: 'deg', precipitation_rate: 'mm/h', cloud_cover: '', brightness: '', temperature: 'C', humidity: '%' };
  var SERIES = [['pressure', 'pressure (hPa)'], ['wind_speed', 'wind (m/s)'], ['wind_gust', 'gusts (m/s)'], ['precipitation_rate', 'rain (mm/h)'], ['cloud_cover', 'cloud cover'], ['brightness', 'brightness'], ['temperature', 'temperature (C)'], ['output_rms_dbfs', 'output (dBFS)'], ['loudness_short_term_lufs', 'loudness (LUFS, 3 s)'], ['novelty', 'novelty'], ['voices', 'voices']];

  function el(tag, attrs, parent, text) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) { if (k === 'class') e.className = attrs[k]; else e.setAttribute(k, attrs[k]); }
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (parent) parent.appendChild(e);
    return e;
  }
  function clear(n) { while (n.firstChild) n.removeChild(n.firstChild); }
  function fmt(x, d) { return x === null || x === undefined ? '-' : Number(x).toFixed(d === undefined ? 2 : d); }
  function clock(ms) { var d = new Date(ms); return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }); }
  var msgTimer = null;
  function say(text, kind) {
    var m = $('msg'); m.textContent = text; m.className = kind || ''; m.style.display = 'block';
    clearTimeout(msgTimer); msgTimer = setTimeout(function () { m.style.display = 'none'; }, kind === 'error' ? 8000 : 3000);
  }
  function canChange() { return S.session && S.session.role === 'curator'; }

  function api(path, body) {
    var opts = body === undefined ? { credentials: 'same-origin' } : {
      method: 'POST', credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': S.session ? S.session.csrfToken : '' },
      body: JSON.stringify(body)
    };
    return fetch(path, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) { var e = new Error(j.error || ('HTTP ' + r.status)); e.status = r.status; throw e; }
        return j;
      });
    });
  }
  function change(path, body, okText) {
    return api(path, body).then(function (j) { if (okText) say(okText, 'ok'); return j; })
      .catch(function (e) { say(e.message, 'error'); if (e.status === 401) showLogin(); throw e; });
  }

  // ---- login ----
  function showLogin() { $('app').hidden = true; $('login').hidden = false; if (S.ws) { S.ws.onclose = null; S.ws.close(); S.ws = null; } }
  $('loginForm').addEventListener('submit', function (ev) {
    ev.preventDefault();
    $('loginError').textContent = '';
    api('/panel/api/login', { username: $('user').value, password: $('password').value })
      .then(function (s) { S.session = s; $('password').value = ''; start(); })
      .catch(function (e) { $('loginError').textContent = e.message; });
  });
  $('logout').addEventListener('click', function () {
    api('/panel/api/logout', {}).catch(function () {}).then(function () { S.session = null; showLogin(); });
  });

  // ---- views ----
  var tabs = document.querySelectorAll('nav button');
  tabs.forEach(function (b) { b.addEventListener('click', function () { show(b.getAttribute('data-view')); }); });
  function show(view) {
    S.view = view;
    tabs.forEach(function (b) { b.setAttribute('aria-selected', String(b.getAttribute('data-view') === view)); });
    ['live', 'tune', 'teach', 'log'].forEach(function (v) { $('view-' + v).hidden = v !== view; });
    if (view === 'live') drawCharts();
  }

  function start() {
    api('/panel/api/state').then(function (st) {
      S.state = st; S.session = st.session;
      $('login').hidden = true; $('app').hidden = false;
      $('who').textContent = st.session.user + ' (' + st.session.role + ')';
      $('viewerBanner').hidden = canChange();
      buildTune(); buildTeach(); renderLive(st.live); renderHistory(); renderLogs(); renderModels(); renderExamples(); renderJobs();
      connect();
    }).catch(function (e) { if (e.status === 401) showLogin(); else say(e.message, 'error'); });
  }

  function connect() {
    var proto = location.protocol === 'https:' ? 'wss://' : 'ws://';
    var ws = new WebSocket(proto + location.host + '/panel/ws');
    S.ws = ws;
    ws.onopen = function () { S.retryMs = 1000; };
    ws.onmessage = function (m) {
      var msg; try { msg = JSON.parse(m.data); } catch (e) { return; }
      if (msg.type === 'live') { S.state.live = msg.live; renderLive(msg.live); trail(msg.live); }
      else if (msg.type === 'history') { S.state.history.push(msg.sample); if (S.state.history.length > 1440) S.state.history.shift(); renderHistory(); }
      else if (msg.type === 'event') { S.state.events.push(msg.event); renderLogs(); }
      else if (msg.type === 'audit') { S.state.audit.unshift(msg.entry); renderLogs(); }
      else if (msg.type === 'settings') { S.state.settings = msg.settings; fillTune(); }
      else if (msg.type === 'job') { onJob(msg.job); }
    };
    ws.onclose = function () {
      $('status').textContent = 'reconnecting'; $('status').className = 'pill warn';
      setTimeout(function () { if (S.session) api('/panel/api/session').then(function () { connect(); }).catch(function (e) { if (e.status === 401) showLogin(); else connect(); }); }, S.retryMs);
      S.retryMs = Math.min(15000, S.retryMs * 2);
    };
  }

  // ---- live ----
  function bar(parent, name, value, lo, hi, text, fromLo, second) {
    var row = el('div', { class: second === undefined ? 'bar' : 'bar two' }, parent);
    el('span', null, row, name);
    var track = el('div', { class: 'track' }, row);
    var fill = el('div', { class: 'fill' + (value < 0 && !fromLo ? ' neg' : '') }, track);
    var zero = lo < 0 && !fromLo ? (0 - lo) / (hi - lo) : 0;
    var at = Math.max(0, Math.min(1, (value - lo) / (hi - lo)));
    fill.style.left = (Math.min(zero, at) * 100) + '%';
    fill.style.width = (Math.abs(at - zero) * 100) + '%';
    el('span', { class: 'val' }, row, text !== undefined ? text : fmt(value, 2));
    if (second !== undefined) el('span', { class: 'val second' }, row, second);
    return row;
  }
  function renderLive(v) {
    if (!v) return;
    var h = v.health;
    var st = $('status');
    st.textContent = h.status === 'ok' ? 'singing' : 'degraded'; st.className = 'pill ' + (h.status === 'ok' ? 'ok' : 'bad');
    var t = $('sensors'); clear(t);
    var hr = el('tr', null, t); ['sensor', 'state', 'last message'].forEach(function (x) { el('th', null, hr, x); });
    v.sensors.forEach(function (s) {
      var r = el('tr', { class: s.stale ? 'stale' : '', 'data-sensor': s.id }, t);
      el('td', null, r, s.id);
      var c = el('td', null, r); el('span', { class: 'pill ' + (s.stale ? 'bad' : 'ok') }, c, s.stale ? (s.online ? 'stale' : 'offline') : 'fresh');
      el('td', { class: 'num' }, r, s.ageS === null ? 'never' : fmt(s.ageS, 0) + ' s ago');
    });
    if (v.sensors.length === 0) el('tr', null, t).appendChild(el('td', { colspan: 3 }, null, 'no sensor has reported yet'));
    var staleSensors = {};
    v.sensors.forEach(function (s) { if (s.stale) staleSensors[s.id] = true; });
    var rt = $('readings'); clear(rt);
    var rh = el('tr', null, rt); ['quantity', 'value', 'sensor', 'age'].forEach(function (x) { el('th', null, rh, x); });
    v.readings.forEach(function (r) {
      var row = el('tr', { class: staleSensors[r.sensorId] ? 'stale' : '' }, rt);
      el('td', null, row, r.quantity.replace('_', ' '));
      el('td', { class: 'num' }, row, fmt(r.value, r.value > 100 ? 1 : 2) + ' ' + (UNITS[r.quantity] || ''));
      el('td', null, row, r.sensorId);
      el('td', { class: 'num' }, row, r.ageS + ' s');
    });
    var cam = $('camera'); clear(cam);
    v.camera.readings.forEach(function (r) { bar(cam, r.quantity.replace('_', ' '), r.value, 0, 1); });
    if (v.camera.readings.length === 0) el('p', { class: 'dim' }, cam, 'no camera numbers');
    var ce = el('div', { class: 'log' }, cam);
    v.camera.events.slice().reverse().forEach(function (e) { var d = el('div', null, ce); el('span', { class: 'k' }, d, e.kind); d.appendChild(document.createTextNode((e.count > 1 ? e.count + ' ' : '') + e.agoS + ' s ago')); });
    var mu = $('music'); clear(mu);
    el('div', { class: 'big' }, mu, h.music.movement);
    el('div', { class: 'dim' }, mu, 'mode ' + h.music.mode + ', chord ' + h.music.chordDegree + ', ' + h.audio.voices + ' voices, model ' + h.model.version);
    var mo = el('div', { class: 'log' }, mu);
    h.music.motifs.slice().reverse().forEach(function (m) { var d = el('div', null, mo); el('span', { class: 'k' }, d, m.kind); d.appendChild(document.createTextNode(m.motif + ', ' + m.agoS + ' s ago')); });
    var out = $('output'); clear(out);
    var rms = h.audio.rmsDbfs, ld = h.audio.loudness || { momentaryLufs: null, shortTermLufs: null }, target = S.state.vocabulary.loudnessTargetLufs;
    var figs = el('div', { class: 'pair' }, out);
    var lf = el('div', null, figs);
    el('div', { class: 'dim' }, lf, 'loudness (3 s)');
    el('div', { class: 'big', id: 'lufsShort' }, lf, ld.shortTermLufs === null ? '-' : fmt(ld.shortTermLufs, 1) + ' LUFS');
    el('div', { class: 'dim', id: 'lufsMomentary' }, lf, 'momentary ' + (ld.momentaryLufs === null ? '-' : fmt(ld.momentaryLufs, 1) + ' LUFS'));
    var lv = el('div', null, figs);
    el('div', { class: 'dim' }, lv, 'level, RMS');
    el('div', { class: 'big', id: 'rms' }, lv, rms === null ? 'silent' : fmt(rms, 1) + ' dBFS');
    el('div', { class: 'dim' }, lv, 'the ceiling is -1 dBFS');
    var meter = el('div', { class: 'meter', title: 'short-term loudness, -60..0 LUFS; the tick is the target' }, out);
    var cover = el('div', { class: 'cover' }, meter);
    cover.style.width = (100 - Math.max(0, Math.min(100, ((ld.shortTermLufs === null ? -60 : ld.shortTermLufs) + 60) / 60 * 100))) + '%';
    var tick = el('div', { class: 'tick' }, meter); tick.style.left = ((target + 60) / 60 * 100) + '%';
    el('p', { class: 'dim' }, out, 'Loudness per EBU R128 (K-weighted, BS.1770): short-term over 3 s, momentary over 0.4 s; the piece is made to ' + fmt(target, 0) + ' LUFS (the tick). Level: RMS of the last ~43 ms. Master ' + fmt(S.state.settings.masterDb, 1) + ' dB. ' + (h.stream ? (h.stream.listeners || 0) + ' stream listeners.' : 'no web stream.'));
    var lm = $('layerMeters'); clear(lm);
    v.layers.forEach(function (l) {
      var m = l.measuredDbfs;
      bar(lm, l.layer + (l.enabled ? '' : ' (off)'), m === null ? -60 : m, -60, 0, m === null ? 'silent' : fmt(m, 1) + ' dBFS', true, l.plannedDb === null ? 'plan: off' : 'plan ' + fmt(l.plannedDb, 1) + ' dB').setAttribute('data-layer', l.layer);
    });
    el('p', { class: 'dim' }, lm, "Measured: RMS of the last ~43 ms after each layer's low-pass, before the master. Plan: the level the model asks plus your trim (dB of full gain).");
    var f = $('features'); clear(f);
    Object.keys(h.features).forEach(function (k) { bar(f, k, h.features[k], k === 'novelty' || k.indexOf('activity') > 0 || k === 'cloud_cover' || k === 'brightness' || k.indexOf('wind_') === 0 && k.indexOf('direction') < 0 || k === 'precipitation' ? 0 : -1, 1); });
    var c = $('controls'); clear(c);
    Object.keys(h.controls).forEach(function (k) { bar(c, k, h.controls[k], 0, 1); });
    $('movementNow').textContent = h.music.movement;
  }

  // ---- charts ----
  function spark(canvas, pts, color) {
    var dpr = window.devicePixelRatio || 1;
    var w = canvas.clientWidth || 240, hgt = canvas.clientHeight || 56;
    canvas.width = w * dpr; canvas.height = hgt * dpr;
    var g = canvas.getContext('2d'); g.scale(dpr, dpr); g.clearRect(0, 0, w, hgt);
    var ys = pts.filter(function (p) { return p[1] !== null; }).map(function (p) { return p[1]; });
    if (ys.length === 0) { g.fillStyle = '#93a3bb'; g.font = '12px system-ui'; g.fillText('no data yet', 6, hgt / 2 + 4); return null; }
    var lo = Math.min.apply(null, ys), hi = Math.max.apply(null, ys), seen = { lo: lo, hi: hi };
    if (hi - lo < 1e-6) { lo -= 0.5; hi += 0.5; }
    // The axis covers what there is (at least 10 minutes, at most 24 hours), now at the right.
    var now = Date.now(), first = pts.length ? pts[0][0] : now;
    var span = Math.max(600000, Math.min(24 * 3600 * 1000, now - first));
    g.strokeStyle = '#2a3850'; g.lineWidth = 1;
    for (var q = 1; q < 4; q++) { g.beginPath(); g.moveTo(w * q / 4, 0); g.lineTo(w * q / 4, hgt); g.stroke(); }
    g.strokeStyle = color; g.lineWidth = 1.6; g.beginPath();
    var started = false;
    pts.forEach(function (p) {
      if (p[1] === null) { started = false; return; }
      var x = w * (1 - (now - p[0]) / span), y = hgt - 4 - (hgt - 8) * (p[1] - lo) / (hi - lo);
      if (!started) { g.moveTo(x, y); started = true; } else g.lineTo(x, y);
    });
    g.stroke();
    var last = ys[ys.length - 1];
    var lx = w - 3, ly = hgt - 4 - (hgt - 8) * (last - lo) / (hi - lo);
    g.fillStyle = color; g.beginPath(); g.arc(lx, ly, 2.5, 0, 6.3); g.fill();
    return { lo: seen.lo, hi: seen.hi, last: last };
  }
  // Between the minute samples, the charts follow the live feed (kept in the page only).
  S.trail = [];
  function trail(v) {
    var last = S.trail[S.trail.length - 1];
    if (last && v.atMs - last.atMs < 5000) return;
    var ld = v.health.audio.loudness;
    var values = { output_rms_dbfs: v.health.audio.rmsDbfs, loudness_short_term_lufs: ld ? ld.shortTermLufs : null, novelty: v.health.features.novelty, voices: v.health.audio.voices };
    v.readings.forEach(function (r) { values[r.quantity] = r.value; });
    S.trail.push({ atMs: v.atMs, values: values });
    if (S.trail.length > 720) S.trail.shift();
    drawCharts();
  }
  var chartEls = {};
  function renderHistory() {
    var box = $('charts');
    if (box.childNodes.length === 0) SERIES.forEach(function (s) {
      var c = el('div', { class: 'chart' }, box);
      var t = el('div', { class: 't' }, c); el('span', null, t, s[1]); var r = el('span', null, t, '');
      chartEls[s[0]] = { canvas: el('canvas', { 'aria-label': s[1] + ', up to the last 24 hours' }, c), range: r, span: el('div', { class: 'dim', style: 'font-size:.7rem' }, c, '') };
    });
    drawCharts();
  }
  function drawCharts() {
    if (!S.state || S.view !== 'live') return;
    var colors = ['#7fb2ff', '#6fd39b', '#9be3c0', '#7fd0ff', '#c9d3e3', '#f2c46d', '#f2a65a', '#ff9f8e', '#ffc27a', '#d6a8ff', '#b8c4d8'];
    SERIES.forEach(function (s, i) {
      var e = chartEls[s[0]]; if (!e) return;
      var lastSample = S.state.history.length ? S.state.history[S.state.history.length - 1].atMs : 0;
      var pts = S.state.history.concat(S.trail.filter(function (t) { return t.atMs > lastSample; }));
      var r = spark(e.canvas, pts.map(function (h) { var x = h.values[s[0]]; return [h.atMs, x === undefined ? null : x]; }), colors[i]);
      e.range.textContent = r ? fmt(r.last, r.last > 100 ? 1 : 2) + ' (' + fmt(r.lo, 1) + '..' + fmt(r.hi, 1) + ')' : '';
      var mins = pts.length ? (Date.now() - pts[0].atMs) / 60000 : 0;
      e.span.textContent = mins < 60 ? 'last ' + Math.max(10, Math.ceil(mins / 10) * 10) + ' min' : 'last ' + Math.min(24, Math.ceil(mins / 60)) + ' h';
    });
  }
  window.addEventListener('resize', drawCharts);

  // ---- tune ----
  var tuneInputs = [];
  function slider(parent, label, min, max, step, get, send, unit) {
    var row = el('label', { class: 'row' }, parent);
    el('span', null, row, label);
    var input = el('input', { type: 'range', min: min, max: max, step: step }, row);
    var out = el('output', null, row);
    var paint = function () { out.textContent = fmt(input.value, step < 1 ? (step < 0.1 ? 2 : 1) : 0) + (unit || ''); };
    input.addEventListener('input', paint);
    input.addEventListener('change', function () { send(Number(input.value)); });
    tuneInputs.push({ input: input, fill: function () { input.value = get(); paint(); } });
    return input;
  }
  function check(parent, label, get, send) {
    var l = el('label', null, parent);
    var input = el('input', { type: 'checkbox' }, l);
    l.appendChild(document.createTextNode(' ' + label));
    input.addEventListener('change', function () { send(input.checked); });
    tuneInputs.push({ input: input, fill: function () { input.checked = get(); } });
    return input;
  }
  function setting(change) {
    return change_('/panel/api/settings', change);
  }
  function change_(path, body) {
    return change(path, body, 'saved').then(function (j) { if (j.settings) { S.state.settings = j.settings; fillTune(); } return j; }).catch(function () { fillTune(); });
  }
  function buildTune() {
    tuneInputs = [];
    var st = function () { return S.state.settings; };
    var vol = $('tuneVolume'); clear(vol);
    slider(vol, 'master volume', -60, 0, 0.5, function () { return st().masterDb; }, function (v) { setting({ masterDb: v }); }, ' dB').id = 'masterDb';
    el('p', { class: 'dim' }, vol, 'At most 0 dB here; the hard ceiling (-1 dBFS) sits after it whatever the model asks.');
    var lay = $('tuneLayers'); clear(lay);
    S.state.vocabulary.layers.forEach(function (name) {
      var c = el('div', { class: 'checks' }, lay);
      check(c, name + ' on', function () { return st().layers[name].enabled; }, function (v) { var ch = { layers: {} }; ch.layers[name] = { enabled: v }; setting(ch); }).id = 'layer-' + name + '-enabled';
      slider(lay, name + ' trim', -24, 6, 0.5, function () { return st().layers[name].trimDb; }, function (v) { var ch = { layers: {} }; ch.layers[name] = { trimDb: v }; setting(ch); }, ' dB').id = 'layer-' + name + '-trim';
    });
    var sh = $('tuneShape'); clear(sh);
    slider(sh, 'register low', 0, 1, 0.01, function () { return st().register.min; }, function (v) { setting({ register: { min: v } }); }).id = 'registerMin';
    slider(sh, 'register high', 0, 1, 0.01, function () { return st().register.max; }, function (v) { setting({ register: { max: v } }); }).id = 'registerMax';
    slider(sh, 'density', 0, 2, 0.05, function () { return st().densityScale; }, function (v) { setting({ densityScale: v }); }, 'x').id = 'densityScale';
    slider(sh, 'reverb', 0, 2, 0.05, function () { return st().reverbScale; }, function (v) { setting({ reverbScale: v }); }, 'x').id = 'reverbScale';
    var qu = $('tuneQuiet'); clear(qu);
    check(el('div', { class: 'checks' }, qu), 'quiet hours on', function () { return st().quietHours.enabled; }, function (v) { setting({ quietHours: { enabled: v } }); }).id = 'quietEnabled';
    ['from', 'to'].forEach(function (k) {
      var row = el('label', { class: 'row' }, qu); el('span', null, row, k);
      var input = el('input', { type: 'time', id: 'quiet-' + k }, row); el('span', null, row);
      input.addEventListener('change', function () { var q = {}; q[k] = input.value; setting({ quietHours: q }); });
      tuneInputs.push({ input: input, fill: function () { input.value = st().quietHours[k]; } });
    });
    slider(qu, 'quiet volume', -60, 0, 1, function () { return st().quietHours.volumeDb; }, function (v) { setting({ quietHours: { volumeDb: v } }); }, ' dB').id = 'quietVolume';
    buildSchedule(st);
    var hours = $('tuneHours'); clear(hours);
    for (var hIdx = 0; hIdx < 24; hIdx++) (function (hour) {
      var l = el('label', { title: hour + ':00' }, hours);
      var input = el('input', { type: 'range', min: -40, max: 0, step: 1, 'aria-label': 'volume at ' + hour + ':00' }, l);
      el('span', null, l, hour);
      input.addEventListener('change', function () { var v = st().volumeByHourDb.slice(); v[hour] = Number(input.value); setting({ volumeByHourDb: v }); });
      tuneInputs.push({ input: input, fill: function () { input.value = st().volumeByHourDb[hour]; input.title = hour + ':00 ' + st().volumeByHourDb[hour] + ' dB'; } });
    })(hIdx);
    var mo = $('tuneMotifs'); clear(mo);
    S.state.vocabulary.motifs.forEach(function (k) {
      check(mo, k.replace('_', ' '), function () { return st().motifs[k]; }, function (v) { var m = {}; m[k] = v; setting({ motifs: m }); }).id = 'motif-' + k;
    });
    $('presetSave').onclick = function () { var n = $('presetName').value.trim(); if (!n) return say('give the preset a name', 'error'); change('/panel/api/presets', { action: 'save', name: n }, 'preset saved').then(function (j) { S.state.presets = j.presets; renderPresets(); }); };
    fillTune(); renderPresets();
  }
  // The day schedule: a select per local hour, 'sun' or a movement of the piece.
  function siteHour() {
    try { return Number(new Intl.DateTimeFormat('en-GB', { timeZone: S.state.vocabulary.timeZone, hour: 'numeric', hourCycle: 'h23' }).format(new Date())); } catch (e) { return new Date().getHours(); }
  }
  function buildSchedule(st) {
    var v = S.state.vocabulary, box = $('tuneSchedule'); clear(box);
    for (var hIdx = 0; hIdx < 24; hIdx++) (function (hour) {
      var cell = el('label', { 'data-hour': hour }, box);
      el('span', null, cell, (hour < 10 ? '0' : '') + hour + ':00');
      var sel = el('select', { id: 'movement-' + hour, 'aria-label': 'movement at ' + hour + ':00' }, cell);
      el('option', { value: 'sun' }, sel, 'sun: ' + v.sunMovementByHour[hour]);
      v.movements.forEach(function (m) { el('option', { value: m }, sel, m); });
      sel.addEventListener('change', function () { var all = st().movementByHour.slice(); all[hour] = sel.value; setting({ movementByHour: all }); });
      tuneInputs.push({ input: sel, fill: function () {
        var m = st().movementByHour[hour]; sel.value = m;
        cell.className = 'mv-' + (m === 'sun' ? v.sunMovementByHour[hour] : m) + (m === 'sun' ? '' : ' pinned') + (hour === siteHour() ? ' now' : '');
        cell.title = hour + ':00 ' + (m === 'sun' ? 'the sun chooses (' + v.sunMovementByHour[hour] + ' today)' : m + ', held');
      } });
    })(hIdx);
    $('scheduleSun').onclick = function () { setting({ movementByHour: st().movementByHour.map(function () { return 'sun'; }) }); };
  }
  function fillTune() {
    tuneInputs.forEach(function (t) { t.fill(); t.input.disabled = !canChange(); });
    ['presetSave', 'presetName', 'scheduleSun', 'addExample', 'train', 'preview', 'rollback', 'mixFromNow'].forEach(function (id) { if ($(id)) $(id).disabled = !canChange(); });
  }
  function renderPresets() {
    var t = $('presets'); clear(t);
    S.state.presets.forEach(function (p) {
      var r = el('tr', null, t); el('td', null, r, p.name); el('td', { class: 'dim' }, r, p.who);
      var c = el('td', null, r);
      var rec = el('button', { class: 'act secondary', type: 'button' }, c, 'Recall'); rec.disabled = !canChange();
      rec.onclick = function () { change('/panel/api/presets', { action: 'recall', name: p.name }, 'preset recalled').then(function (j) { S.state.settings = j.settings; fillTune(); }); };
      var del = el('button', { class: 'act secondary', type: 'button' }, c, 'Delete'); del.disabled = !canChange();
      del.onclick = function () { change('/panel/api/presets', { action: 'delete', name: p.name }, 'preset deleted').then(function (j) { S.state.presets = j.presets; renderPresets(); }); };
    });
    if (S.state.presets.length === 0) el('tr', null, t).appendChild(el('td', { class: 'dim' }, null, 'no presets yet'));
  }

  // ---- teach ----
  function buildTeach() {
    var v = S.state.vocabulary;
    var comp = $('composer'); clear(comp);
    Object.keys(v.composedSky).forEach(function (k) {
      var f = v.composedSky[k];
      if (S.composed[k] === undefined) S.composed[k] = f.default;
      var row = el('label', { class: 'row' }, comp); el('span', null, row, f.label);
      var input = el('input', { type: 'range', min: f.min, max: f.max, step: f.step, value: S.composed[k], id: 'sky-' + k }, row);
      var out = el('output', null, row, S.composed[k]);
      input.addEventListener('input', function () { S.composed[k] = Number(input.value); out.textContent = input.value; document.querySelector('input[name=skySource][value=composed]').checked = true; });
    });
    var mix = $('mix'); clear(mix);
    v.controls.forEach(function (k) {
      if (S.mix[k] === undefined) S.mix[k] = S.state.live.health.controls[k] || 0;
      var row = el('label', { class: 'row' }, mix); el('span', null, row, k);
      var input = el('input', { type: 'range', min: 0, max: 1, step: 0.01, value: S.mix[k], 'data-control': k }, row);
      var out = el('output', null, row, fmt(S.mix[k]));
      input.addEventListener('input', function () { S.mix[k] = Number(input.value); out.textContent = fmt(input.value); });
    });
    $('mixFromNow').onclick = function () { var c = S.state.live.health.controls; v.controls.forEach(function (k) { S.mix[k] = c[k] || 0; }); buildTeach(); };
    $('addExample').onclick = function () {
      var src = document.querySelector('input[name=skySource]:checked').value;
      change('/panel/api/examples', { sky: src === 'current' ? 'current' : S.composed, controls: S.mix, note: $('exampleNote').value }, 'example added').then(function (j) {
        S.state.examples.push({ id: j.example.id, who: j.example.who, createdAt: j.example.createdAt, note: j.example.note }); renderExamples();
      });
    };
    $('train').onclick = function () { change('/panel/api/train', {}, 'training started').then(function (j) { onJob(j.job); }); };
    var ps = $('previewSky'); clear(ps);
    v.scenarios.forEach(function (s) { el('option', { value: s }, ps, s); });
    el('option', { value: 'composed' }, ps, 'the sky I composed');
    $('previewSeconds').oninput = function () { $('previewSecondsOut').textContent = $('previewSeconds').value + ' s'; };
    $('preview').onclick = function () {
      var sky = ps.value === 'composed' ? S.composed : ps.value;
      var body = { sky: sky, durationS: Number($('previewSeconds').value) };
      if ($('previewCandidate').value) body.candidate = $('previewCandidate').value;
      clear($('previewPlayers')); el('p', { class: 'dim' }, $('previewPlayers'), 'rendering...');
      change('/panel/api/preview', body, 'rendering the preview').then(function (j) { S.previewJob = j.job.id; onJob(j.job); });
    };
    $('rollback').onclick = function () { change('/panel/api/models', { action: 'rollback' }, 'rolled back').then(function (j) { S.state.models = j.models; S.state.playing = j.playing; renderModels(); }); };
    fillTune();
  }
  function renderExamples() {
    var t = $('examples'); clear(t);
    var hr = el('tr', null, t); ['#', 'by', 'note'].forEach(function (x) { el('th', null, hr, x); });
    S.state.examples.slice(-8).forEach(function (e) { var r = el('tr', null, t); el('td', null, r, e.id); el('td', null, r, e.who); el('td', null, r, e.note); });
  }
  function renderModels() {
    var t = $('models'); clear(t);
    var hr = el('tr', null, t); ['version', 'made', 'state', ''].forEach(function (x) { el('th', null, hr, x); });
    var shipped = el('tr', null, t); el('td', null, shipped, '(shipped default)'); el('td', null, shipped, ''); el('td', null, shipped, S.state.playing === '(shipped default)' ? 'playing' : ''); el('td', null, shipped, '');
    var sel = $('previewCandidate'); var was = sel.value; clear(sel); el('option', { value: '' }, sel, 'none (current model only)');
    S.state.models.slice().reverse().forEach(function (m) {
      var r = el('tr', null, t); el('td', null, r, m.version); el('td', { class: 'dim' }, r, m.createdAt.slice(0, 16).replace('T', ' '));
      el('td', null, r, S.state.playing === m.version ? 'playing' : (m.active ? 'active' : ''));
      var c = el('td', null, r);
      var dep = el('button', { class: 'act secondary', type: 'button', 'data-deploy': m.version }, c, 'Deploy'); dep.disabled = !canChange() || S.state.playing === m.version;
      dep.onclick = function () { change('/panel/api/models', { action: 'activate', version: m.version }, 'deployed ' + m.version).then(function (j) { S.state.models = j.models; S.state.playing = j.playing; renderModels(); }); };
      el('option', { value: m.version }, sel, m.version);
    });
    if (was) sel.value = was;
  }
  function renderJobs() { (S.state.jobs || []).forEach(function (j) { if (j.state === 'running') onJob(j); }); }
  function onJob(job) {
    var status = $('jobStatus');
    if (job.kind === 'train') {
      status.textContent = 'training: ' + job.message + (job.state === 'failed' ? ' (failed)' : '');
      if (job.state === 'done') {
        api('/panel/api/state').then(function (st) { S.state.models = st.models; S.state.playing = st.playing; renderModels();
          var v = job.results.length ? job.results[job.results.length - 1].version : null;
          if (v) { $('previewCandidate').value = v; status.textContent = 'trained ' + v + ': preview it, then deploy'; } });
      }
      return;
    }
    if (job.kind === 'preview' && job.id === S.previewJob) {
      // Players are added as their results come and never rebuilt: a media element taken
      // out of the page stops playing, and news of the job comes more than once (progress,
      // then done), while the curator may already be listening.
      var box = $('previewPlayers');
      if (S.previewShown !== job.id || !S.previewPair || !box.contains(S.previewPair)) {
        clear(box);
        S.previewShown = job.id;
        S.previewPair = el('div', { class: 'pair' }, box);
        S.previewStatus = el('p', { class: 'dim' }, box);
      }
      if (job.state === 'failed') { clear(box); el('p', { class: 'dim' }, box, 'preview failed: ' + job.message); S.previewPair = null; return; }
      (job.results || []).forEach(function (r) {
        if (S.previewPair.querySelector('audio[data-label="' + r.label + '"]')) return;
        var d = el('div', null, S.previewPair);
        el('div', null, d, r.label + ' (' + r.model + '), ' + fmt(r.rmsDbfs, 1) + ' dBFS');
        var a = el('audio', { controls: '', preload: 'auto', src: r.url, 'data-label': r.label }, d);
        a.volume = 1;
      });
      S.previewStatus.textContent = job.state === 'running' ? job.message + '...' : '';
    }
  }

  // ---- logs ----
  function logLine(parent, atMs, kind, text) {
    var d = el('div', null, parent); el('time', null, d, clock(atMs)); el('span', { class: 'k' }, d, kind); d.appendChild(document.createTextNode(' ' + text));
  }
  function renderLogs() {
    var ev = S.state.events.slice(-200).sort(function (a, b) { return b.atMs - a.atMs; });
    [$('eventLog'), $('liveEvents')].forEach(function (box, i) {
      clear(box); ev.slice(0, i === 0 ? 200 : 12).forEach(function (e) { logLine(box, e.atMs, e.kind, e.text); });
      if (ev.length === 0) el('p', { class: 'dim' }, box, 'nothing yet');
    });
    var au = $('auditLog'); clear(au);
    S.state.audit.forEach(function (a) {
      var d = Array.isArray(a.detail) ? a.detail.map(function (c) { return c.path + ': ' + JSON.stringify(c.from) + ' -> ' + JSON.stringify(c.to); }).join('; ') : JSON.stringify(a.detail);
      logLine(au, Date.parse(a.at), a.action, a.who + ': ' + d);
    });
    if (S.state.audit.length === 0) el('p', { class: 'dim' }, au, 'no changes yet');
  }

  api('/panel/api/session').then(function (s) { S.session = s; start(); }).catch(function () { showLogin(); });
})();
`;
