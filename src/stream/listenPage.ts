/**
 * The listener page at /listen: a play button, the sky now in words and small drawings,
 * made for a phone, no login. One HTML document, its CSS and JS inline, nothing fetched
 * from elsewhere. It picks Ogg/Opus where the browser plays it and MP3 elsewhere (older
 * iOS), reconnects by itself when the stream ends (an encoder restart) or stalls, and
 * reads the sky from /now every 10 s (the Ogg stream carries no live titles; see
 * docs/stream.md).
 */

export interface ListenPageOptions {
  stationName: string;
  /** The streams on offer, in order of preference. */
  streams: { path: string; contentType: string }[];
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function listenPageHtml(options: ListenPageOptions): string {
  const name = escapeHtml(options.stationName);
  // JSON in a script block: "<" is escaped so no string can close the block.
  const streams = JSON.stringify(options.streams).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="color-scheme" content="dark">
<meta name="theme-color" content="#101826">
<title>${name}: listen</title>
<style>
  :root { --bg: #101826; --card: #18243a; --ink: #e9eef7; --dim: #9fb0c8; --accent: #f2c46d; }
  * { box-sizing: border-box; }
  html, body { margin: 0; background: var(--bg); color: var(--ink);
    font: 17px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  body { background: radial-gradient(120% 80% at 50% 0%, #22335a 0%, var(--bg) 60%); min-height: 100vh; }
  main { max-width: 34rem; margin: 0 auto; padding: max(1.2rem, env(safe-area-inset-top)) 1.1rem 2rem; }
  h1 { font-size: 1.5rem; font-weight: 600; letter-spacing: .02em; margin: .2rem 0 0; }
  .sub { color: var(--dim); margin: .1rem 0 1.4rem; font-size: .95rem; }
  .player { display: flex; align-items: center; gap: 1.1rem; margin-bottom: 1.4rem; }
  #play { width: 5.2rem; height: 5.2rem; border-radius: 50%; border: 0; cursor: pointer; flex: none;
    background: var(--accent); color: #1b1b1b; display: grid; place-items: center;
    box-shadow: 0 .4rem 1.4rem rgba(242, 196, 109, .25); -webkit-tap-highlight-color: transparent; }
  #play:focus-visible { outline: 3px solid #fff; outline-offset: 3px; }
  #play svg { width: 2.2rem; height: 2.2rem; }
  #status { font-size: 1.05rem; }
  #status small { display: block; color: var(--dim); font-size: .85rem; }
  .card { background: var(--card); border-radius: 1.1rem; padding: 1.1rem 1.1rem 1rem; }
  .sky { display: flex; gap: 1rem; align-items: center; }
  #icon { width: 4.6rem; height: 4.6rem; flex: none; }
  #words { font-size: 1.2rem; margin: 0; }
  .chips { display: flex; flex-wrap: wrap; gap: .5rem; margin: 1rem 0 .2rem; padding: 0; list-style: none; }
  .chips li { background: rgba(255, 255, 255, .06); border-radius: 999px; padding: .3rem .75rem .3rem .5rem;
    display: flex; align-items: center; gap: .4rem; font-size: .92rem; }
  .chips svg { width: 1.2rem; height: 1.2rem; }
  #events { margin: .8rem 0 0; padding: 0; list-style: none; color: var(--dim); font-size: .95rem; }
  #events li::before { content: "\\2022"; color: var(--accent); margin-right: .5rem; }
  footer { color: var(--dim); font-size: .8rem; margin-top: 1.2rem; display: flex; justify-content: space-between; gap: 1rem; }
  footer a { color: var(--dim); }
</style>
</head>
<body>
<main>
  <h1>${name}</h1>
  <p class="sub">A choir that follows the sky over the roof, live.</p>
  <div class="player">
    <button id="play" type="button" aria-label="Play"></button>
    <div id="status" role="status" aria-live="polite">Tap to listen<small>live, no login</small></div>
  </div>
  <section class="card" aria-label="The sky now">
    <div class="sky">
      <svg id="icon" viewBox="0 0 64 64" role="img" aria-label="sky"></svg>
      <p id="words">Reading the sky&hellip;</p>
    </div>
    <ul class="chips" id="chips"></ul>
    <ul id="events"></ul>
  </section>
  <footer><span id="listeners"></span><span id="links"></span></footer>
  <audio id="audio" preload="none"></audio>
</main>
<script>
(() => {
  'use strict';
  const STREAMS = ${streams};
  const audio = document.getElementById('audio');
  const button = document.getElementById('play');
  const status = document.getElementById('status');
  const NS = 'http://www.w3.org/2000/svg';
  let wanted = false;
  let retryMs = 1000;
  let lastTime = 0;
  let lastProgressAt = 0;

  function el(tag, attrs, parent) {
    const e = document.createElementNS(NS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function drawButton() {
    clear(button);
    const svg = el('svg', { viewBox: '0 0 24 24', 'aria-hidden': 'true' }, button);
    if (wanted) { el('rect', { x: 6, y: 5, width: 4, height: 14, rx: 1, fill: 'currentColor' }, svg); el('rect', { x: 14, y: 5, width: 4, height: 14, rx: 1, fill: 'currentColor' }, svg); }
    else el('path', { d: 'M8 5v14l11-7z', fill: 'currentColor' }, svg);
    button.setAttribute('aria-label', wanted ? 'Pause' : 'Play');
  }
  function setStatus(main, small) {
    clear(status);
    status.appendChild(document.createTextNode(main));
    const s = document.createElement('small');
    s.textContent = small;
    status.appendChild(s);
  }

  function pickStream() {
    for (const s of STREAMS) {
      const type = s.contentType === 'audio/ogg' ? 'audio/ogg; codecs="opus"' : s.contentType;
      if (audio.canPlayType(type) !== '') return s;
    }
    return STREAMS[STREAMS.length - 1];
  }

  function connect() {
    const s = pickStream();
    audio.src = s.path + '?t=' + Date.now();
    lastProgressAt = Date.now();
    setStatus('Connecting\\u2026', s.contentType === 'audio/ogg' ? 'Opus stream' : 'MP3 stream');
    const p = audio.play();
    if (p) p.catch(() => { if (wanted) setStatus('Tap play again', 'the browser wants a tap first'); });
  }
  function reconnect(why) {
    if (!wanted) return;
    setStatus('Reconnecting\\u2026', why);
    setTimeout(() => { if (wanted) connect(); }, retryMs);
    retryMs = Math.min(15000, retryMs * 2);
  }

  button.addEventListener('click', () => {
    wanted = !wanted;
    drawButton();
    if (wanted) { retryMs = 1000; connect(); }
    else { audio.pause(); audio.removeAttribute('src'); audio.load(); setStatus('Paused', 'tap to listen again'); }
  });
  audio.addEventListener('playing', () => { retryMs = 1000; setStatus('Live', 'singing with the sky now'); poll(); });
  audio.addEventListener('ended', () => reconnect('the stream restarted'));
  audio.addEventListener('error', () => reconnect('the stream was interrupted'));
  audio.addEventListener('timeupdate', () => {
    if (audio.currentTime !== lastTime) { lastTime = audio.currentTime; lastProgressAt = Date.now(); }
  });
  // A stream that stops moving without an event (a dropped connection) is restarted.
  setInterval(() => { if (wanted && !audio.paused && Date.now() - lastProgressAt > 12000) { lastProgressAt = Date.now(); reconnect('no sound for 12 s'); } }, 3000);

  function cloud(svg, x, y, s, fill) {
    const g = el('g', { transform: 'translate(' + x + ' ' + y + ') scale(' + s + ')', fill: fill }, svg);
    el('circle', { cx: 18, cy: 26, r: 10 }, g); el('circle', { cx: 32, cy: 20, r: 13 }, g);
    el('circle', { cx: 45, cy: 27, r: 9 }, g); el('rect', { x: 10, y: 26, width: 44, height: 11, rx: 5.5 }, g);
  }
  function sun(svg, night) {
    if (night) { el('path', { d: 'M40 10a18 18 0 1 0 14 29a15 15 0 1 1 -14 -29z', fill: '#e7e3c8' }, svg); return; }
    el('circle', { cx: 26, cy: 24, r: 11, fill: '#f2c46d' }, svg);
    for (let i = 0; i < 8; i++) {
      const a = i * Math.PI / 4;
      el('line', { x1: 26 + Math.cos(a) * 15, y1: 24 + Math.sin(a) * 15, x2: 26 + Math.cos(a) * 20, y2: 24 + Math.sin(a) * 20, stroke: '#f2c46d', 'stroke-width': 3, 'stroke-linecap': 'round' }, svg);
    }
  }
  function drawSky(w) {
    const svg = document.getElementById('icon');
    clear(svg);
    svg.setAttribute('aria-label', w.sky);
    const i = w.icon;
    if (i === 'clear' || i === 'partly' || i === 'unknown') sun(svg, w.night);
    if (i === 'partly') cloud(svg, 14, 22, 0.75, '#c9d3e3');
    if (i === 'cloudy' || i === 'overcast' || i === 'rain' || i === 'snow') {
      if (i === 'cloudy') sun(svg, w.night);
      cloud(svg, 2, 6, 0.95, i === 'overcast' || i === 'rain' || i === 'snow' ? '#9aa7bb' : '#c9d3e3');
    }
    if (i === 'rain') for (let k = 0; k < 4; k++) el('line', { x1: 18 + k * 9, y1: 46, x2: 14 + k * 9, y2: 56, stroke: '#7fb2ff', 'stroke-width': 3, 'stroke-linecap': 'round' }, svg);
    if (i === 'snow') for (let k = 0; k < 4; k++) el('circle', { cx: 16 + k * 10, cy: 52, r: 2.6, fill: '#fff' }, svg);
  }
  function chip(list, text, draw) {
    const li = document.createElement('li');
    const svg = el('svg', { viewBox: '0 0 24 24', 'aria-hidden': 'true' }, li);
    draw(svg);
    li.appendChild(document.createTextNode(text));
    list.appendChild(li);
  }
  function render(now) {
    const w = now.words;
    document.getElementById('words').textContent = w.text.charAt(0).toUpperCase() + w.text.slice(1);
    drawSky(w);
    const chips = document.getElementById('chips');
    clear(chips);
    if (w.wind) chip(chips, w.wind, (svg) => {
      // The arrow points where the wind blows to (it comes from windDirectionDeg).
      const deg = typeof w.windDirectionDeg === 'number' ? w.windDirectionDeg + 180 : 90;
      const g = el('g', { transform: 'rotate(' + deg + ' 12 12)' }, svg);
      el('path', { d: 'M12 3l5 8h-3.5v10h-3v-10H7z', fill: '#cfe0ff' }, g);
    });
    if (w.pressure) chip(chips, w.pressure, (svg) => {
      const t = w.trend || 'steady';
      const d = t.indexOf('rising') === 0 ? 'M4 17l6-6 4 4 6-7' : t.indexOf('falling') === 0 ? 'M4 7l6 6 4-4 6 7' : 'M4 12h16';
      el('path', { d: d, fill: 'none', stroke: '#f2c46d', 'stroke-width': 2.4, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }, svg);
    });
    if (typeof w.temperatureC === 'number') chip(chips, Math.round(w.temperatureC) + ' \\u00b0C', (svg) => {
      el('rect', { x: 10, y: 3, width: 4, height: 13, rx: 2, fill: '#cfe0ff' }, svg);
      el('circle', { cx: 12, cy: 18, r: 4, fill: '#ff8f70' }, svg);
    });
    const events = document.getElementById('events');
    clear(events);
    for (const e of w.events) { const li = document.createElement('li'); li.textContent = e; events.appendChild(li); }
    const n = now.listeners.total;
    document.getElementById('listeners').textContent = n === 1 ? '1 listener here' : n + ' listeners here';
  }
  async function poll() {
    try {
      const r = await fetch('now', { cache: 'no-store' });
      if (r.ok) render(await r.json());
    } catch (e) { /* the next poll will tell */ }
  }
  const links = document.getElementById('links');
  for (const s of STREAMS) {
    const a = document.createElement('a');
    a.href = s.path; a.textContent = s.contentType === 'audio/ogg' ? 'Opus' : 'MP3';
    links.appendChild(a); links.appendChild(document.createTextNode(' '));
  }
  drawButton();
  poll();
  setInterval(poll, 10000);
})();
</script>
</body>
</html>
`;
}
