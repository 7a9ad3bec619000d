/**
 * The curator panel at /panel: one HTML document, its CSS and JS inline, nothing fetched
 * from elsewhere (the CSP says so). Four views: Live (sensors, camera numbers, features,
 * controls, loudness and level meters, 24 h charts from the store), Tune (the curator's
 * settings and presets), Teach (examples, training, previews, deploy and rollback) and
 * Log (events and audit). Charts
 * are drawn on canvas by the small functions below. Viewers see everything, change nothing.
 * The page's script uses no template literals and no backslashes, so it can sit inside
 * this TypeScript template unchanged.
 */
import { panelClientScript } from './panelClient.ts';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function panelPageHtml(options: { site: string }): string {
  const site = escapeHtml(options.site);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark">
<title>skychoir ${site}: curator panel</title>
<style>
  :root { --bg: #0f1522; --card: #172033; --card2: #1d2940; --ink: #e8edf6; --dim: #93a3bb; --line: #2a3850;
    --accent: #f2c46d; --ok: #6fd39b; --bad: #ff7a6e; --warn: #f2a65a; --blue: #7fb2ff; }
  * { box-sizing: border-box; }
  html, body { margin: 0; background: var(--bg); color: var(--ink); font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  header { display: flex; align-items: center; gap: 1rem; padding: .7rem 1.2rem; background: #121a2a; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
  header h1 { font-size: 1.1rem; margin: 0; font-weight: 600; }
  header h1 small { color: var(--dim); font-weight: 400; }
  nav { display: flex; gap: .3rem; }
  nav button { background: none; border: 0; color: var(--dim); padding: .45rem .8rem; border-radius: .5rem; cursor: pointer; font: inherit; }
  nav button[aria-selected="true"] { background: var(--card2); color: var(--ink); }
  .spacer { flex: 1; }
  .pill { border-radius: 999px; padding: .15rem .6rem; font-size: .82rem; background: var(--card2); color: var(--dim); }
  .pill.ok { color: #0d2018; background: var(--ok); }
  .pill.bad { color: #2a0d0a; background: var(--bad); }
  .pill.warn { color: #2a1a0a; background: var(--warn); }
  main { padding: 1rem 1.2rem 2rem; max-width: 1400px; margin: 0 auto; }
  .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 1rem; }
  .card { background: var(--card); border-radius: .8rem; padding: .9rem 1rem; border: 1px solid var(--line); }
  .card h2 { font-size: .95rem; margin: 0 0 .6rem; color: var(--accent); font-weight: 600; letter-spacing: .02em; }
  .wide { grid-column: 1 / -1; }
  table { width: 100%; border-collapse: collapse; font-size: .88rem; }
  td, th { padding: .22rem .3rem; text-align: left; border-bottom: 1px solid var(--line); }
  th { color: var(--dim); font-weight: 500; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  tr.stale td { color: var(--bad); }
  .bar { display: grid; grid-template-columns: 11rem 1fr 4.2rem; align-items: center; gap: .5rem; font-size: .82rem; margin: .12rem 0; }
  .bar .track { height: .55rem; background: var(--card2); border-radius: .3rem; position: relative; overflow: hidden; }
  .bar .fill { position: absolute; top: 0; bottom: 0; background: var(--blue); border-radius: .3rem; }
  .bar .fill.neg { background: var(--warn); }
  .bar .val { text-align: right; font-variant-numeric: tabular-nums; color: var(--dim); }
  .bar.two { grid-template-columns: 4.6rem 1fr 4.9rem 5.3rem; gap: .4rem; }
  .bar.two .val:not(.second) { color: var(--ink); }
  .bar .val.second { font-size: .76rem; }
  .meter { height: 1rem; background: linear-gradient(90deg, #2f7d55 0%, #6fd39b 70%, #f2c46d 88%, #ff7a6e 100%); border-radius: .3rem; position: relative; }
  .meter .cover { position: absolute; right: 0; top: 0; bottom: 0; background: var(--card2); border-radius: 0 .3rem .3rem 0; }
  .meter .tick { position: absolute; top: -.2rem; bottom: -.2rem; width: 2px; background: var(--ink); }
  .big { font-size: 1.6rem; font-variant-numeric: tabular-nums; }
  .dim { color: var(--dim); }
  .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: .8rem; }
  .chart { background: var(--card2); border-radius: .5rem; padding: .4rem .5rem; }
  .chart .t { font-size: .8rem; color: var(--dim); display: flex; justify-content: space-between; }
  canvas { width: 100%; height: 56px; display: block; }
  label.row { display: grid; grid-template-columns: 10.5rem 1fr 4.2rem; align-items: center; gap: .6rem; margin: .35rem 0; font-size: .9rem; }
  label.row output { text-align: right; font-variant-numeric: tabular-nums; color: var(--dim); }
  input[type=range] { width: 100%; accent-color: var(--accent); }
  input[type=text], input[type=password], input[type=time], input[type=number], select { background: var(--card2); color: var(--ink); border: 1px solid var(--line); border-radius: .4rem; padding: .35rem .5rem; font: inherit; }
  button.act { background: var(--accent); color: #1b1b1b; border: 0; border-radius: .45rem; padding: .45rem .9rem; font: inherit; font-weight: 600; cursor: pointer; }
  button.act.secondary { background: var(--card2); color: var(--ink); border: 1px solid var(--line); font-weight: 500; }
  button:disabled, input:disabled, select:disabled { opacity: .45; cursor: not-allowed; }
  .hours { display: grid; grid-template-columns: repeat(24, 1fr); gap: 2px; align-items: end; }
  .hours label { display: flex; flex-direction: column; align-items: center; font-size: .68rem; color: var(--dim); }
  .hours input { writing-mode: vertical-lr; direction: rtl; width: 1.2rem; height: 5.5rem; }
  .schedule { display: grid; grid-template-columns: repeat(8, 1fr); gap: .35rem; }
  .schedule label { display: flex; flex-direction: column; gap: .2rem; padding: .3rem; border-radius: .45rem; border: 1px dashed var(--line); font-size: .75rem; color: var(--dim); }
  .schedule label.pinned { border: 1px solid var(--accent); color: var(--ink); }
  .schedule label.now { box-shadow: 0 0 0 2px var(--blue); }
  .schedule select { width: 100%; font-size: .8rem; padding: .2rem .25rem; }
  .schedule .mv-night { background: #161f3a; } .schedule .mv-dawn { background: #3a2a45; } .schedule .mv-morning { background: #3b3a26; }
  .schedule .mv-noon { background: #44432a; } .schedule .mv-afternoon { background: #43331f; } .schedule .mv-dusk { background: #33264a; }
  .checks { display: flex; flex-wrap: wrap; gap: .4rem .9rem; font-size: .9rem; }
  #msg { position: fixed; bottom: 1rem; left: 50%; transform: translateX(-50%); padding: .6rem 1rem; border-radius: .5rem; background: var(--card2); border: 1px solid var(--line); display: none; max-width: 90vw; z-index: 5; }
  #msg.error { background: #3a1714; border-color: var(--bad); color: #ffd7d2; }
  #msg.ok { border-color: var(--ok); }
  .banner { background: #24314b; border-radius: .5rem; padding: .5rem .8rem; margin-bottom: 1rem; color: var(--dim); }
  .login { max-width: 22rem; margin: 12vh auto; }
  .login label { display: block; margin: .6rem 0 .2rem; color: var(--dim); }
  .login input { width: 100%; }
  .log { font-size: .85rem; max-height: 28rem; overflow: auto; }
  .log div { padding: .18rem 0; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
  .log .k { display: inline-block; min-width: 4.2rem; color: var(--accent); }
  .log time { color: var(--dim); margin-right: .5rem; font-variant-numeric: tabular-nums; }
  audio { width: 100%; margin-top: .3rem; }
  .pair { display: grid; grid-template-columns: 1fr 1fr; gap: .8rem; }
  [hidden] { display: none !important; }
</style>
</head>
<body>
<div id="login" class="login card" hidden>
  <h2>skychoir ${site}: curator panel</h2>
  <form id="loginForm">
    <label for="user">User</label><input id="user" name="user" type="text" autocomplete="username" required>
    <label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
    <p><button class="act" type="submit" id="loginButton">Sign in</button></p>
    <p id="loginError" class="dim" role="alert"></p>
  </form>
</div>
<div id="app" hidden>
<header>
  <h1>skychoir <small>${site}</small></h1>
  <nav role="tablist">
    <button role="tab" data-view="live" aria-selected="true">Live</button>
    <button role="tab" data-view="tune" aria-selected="false">Tune</button>
    <button role="tab" data-view="teach" aria-selected="false">Teach</button>
    <button role="tab" data-view="log" aria-selected="false">Log</button>
  </nav>
  <span class="spacer"></span>
  <span id="status" class="pill">connecting</span>
  <span id="who" class="pill"></span>
  <button class="act secondary" id="logout" type="button">Sign out</button>
</header>
<main>
  <div id="viewerBanner" class="banner" hidden>You are signed in as a viewer: you can see everything, but not change it.</div>

  <section id="view-live" class="grid">
    <div class="card"><h2>Sensors</h2><table id="sensors"></table></div>
    <div class="card"><h2>Sky readings</h2><table id="readings"></table></div>
    <div class="card"><h2>Camera (numbers only)</h2><div id="camera"></div></div>
    <div class="card"><h2>Music</h2><div id="music"></div></div>
    <div class="card"><h2>Output</h2><div id="output"></div></div>
    <div class="card"><h2>Layers</h2><div id="layerMeters"></div></div>
    <div class="card"><h2>Feature vector</h2><div id="features"></div></div>
    <div class="card"><h2>Control vector (the model)</h2><div id="controls"></div></div>
    <div class="card wide"><h2>Last 24 hours</h2><div id="charts" class="charts"></div></div>
    <div class="card wide"><h2>Events</h2><div id="liveEvents" class="log"></div></div>
  </section>

  <section id="view-tune" class="grid" hidden>
    <div class="card"><h2>Volume</h2><div id="tuneVolume"></div></div>
    <div class="card"><h2>Layers</h2><div id="tuneLayers"></div></div>
    <div class="card"><h2>Register, density, reverb</h2><div id="tuneShape"></div></div>
    <div class="card"><h2>Quiet hours</h2><div id="tuneQuiet"></div></div>
    <div class="card wide"><h2>Day schedule: the movement of each hour</h2><div id="tuneSchedule" class="schedule"></div>
      <p class="dim">Dashed: the sun chooses (shown is what it chooses today at half past the hour). Solid: held by you for that local hour.
        A change glides in over the piece's transition (about 10 minutes). Now: <b id="movementNow"></b>.
        <button class="act secondary" id="scheduleSun" type="button">Let the sun choose every hour</button></p></div>
    <div class="card wide"><h2>Volume by hour (dB)</h2><div id="tuneHours" class="hours"></div></div>
    <div class="card"><h2>Event motifs</h2><div id="tuneMotifs" class="checks"></div></div>
    <div class="card"><h2>Presets</h2>
      <p><input type="text" id="presetName" placeholder="preset name" maxlength="60" style="width:55%"> <button class="act" id="presetSave" type="button">Save current</button></p>
      <table id="presets"></table></div>
  </section>

  <section id="view-teach" class="grid" hidden>
    <div class="card"><h2>1. The sky</h2>
      <div class="checks"><label><input type="radio" name="skySource" value="current" checked> the sky now</label>
      <label><input type="radio" name="skySource" value="composed"> a sky I compose</label></div>
      <div id="composer"></div></div>
    <div class="card"><h2>2. The mix it should have</h2>
      <p><button class="act secondary" id="mixFromNow" type="button">Start from what plays now</button></p>
      <div id="mix"></div></div>
    <div class="card"><h2>3. Add it, train</h2>
      <p><input type="text" id="exampleNote" placeholder="note (e.g. brighter before rain)" maxlength="200" style="width:100%"></p>
      <p><button class="act" id="addExample" type="button">Add example</button>
         <button class="act secondary" id="train" type="button">Train a new model</button></p>
      <p id="jobStatus" class="dim"></p>
      <table id="examples"></table></div>
    <div class="card"><h2>4. Hear it before the sky brings it</h2>
      <label class="row">Sky <select id="previewSky"></select><span></span></label>
      <label class="row">New model <select id="previewCandidate"></select><span></span></label>
      <label class="row">Length <input type="range" id="previewSeconds" min="5" max="60" step="5" value="20"><output id="previewSecondsOut">20 s</output></label>
      <p><button class="act" id="preview" type="button">Render preview</button></p>
      <div id="previewPlayers"></div></div>
    <div class="card wide"><h2>Models</h2><table id="models"></table>
      <p><button class="act secondary" id="rollback" type="button">Roll back to the previous model</button></p></div>
  </section>

  <section id="view-log" class="grid" hidden>
    <div class="card"><h2>Event log</h2><div id="eventLog" class="log"></div></div>
    <div class="card"><h2>Changes (audit)</h2><div id="auditLog" class="log"></div></div>
  </section>
</main>
</div>
<div id="msg" role="status" aria-live="polite"></div>
<script>
${panelClientScript}
</script>
</body>
</html>`;
}
