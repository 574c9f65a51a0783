/// The page and its assets, served from the binary (no CDN: clusters run offline).
/// Plain HTML, CSS and JavaScript; charts are inline SVG drawn by the script.
enum DashboardPage {
  /// `/`.
  static let html = """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Shoal dashboard</title>
    <link rel="stylesheet" href="dashboard.css">
    </head>
    <body>
    <header>
      <h1>Shoal <span id="cluster">…</span></h1>
      <span id="state" class="pill">connecting</span>
      <span id="address"></span>
      <span id="live" class="pill off">offline</span>
    </header>
    <section id="summary" class="cards"></section>
    <section>
      <h2>Workers</h2>
      <table id="workers">
        <thead><tr><th>worker</th><th>state</th><th>slots</th><th>running</th><th>completed</th>
        <th>failed</th><th>CPU</th><th>RSS</th><th>uptime</th></tr></thead>
        <tbody></tbody>
      </table>
    </section>
    <section class="split">
      <div>
        <h2>Progress by client</h2>
        <div id="clients"><p class="muted">no client connected</p></div>
      </div>
      <div>
        <h2>Task stream <small>(tasks running per worker, one column a sample)</small></h2>
        <svg id="stream" viewBox="0 0 600 120" preserveAspectRatio="none"></svg>
      </div>
    </section>
    <section>
      <h2>Workers over time <small>(line: connected; dashed: asked; dots: adaptive decisions)</small></h2>
      <svg id="chart" viewBox="0 0 600 160" preserveAspectRatio="none"></svg>
      <ol id="decisions"></ol>
    </section>
    <section>
      <h2>Events</h2>
      <ul id="events"></ul>
    </section>
    <script src="dashboard.js"></script>
    </body>
    </html>
    """

  /// `/dashboard.css`.
  static let style = """
    body { font: 14px system-ui, sans-serif; margin: 0 1.5em 2em; color: #1d2433; background: #f7f8fa; }
    header { display: flex; gap: 1em; align-items: baseline; flex-wrap: wrap; }
    h1 { font-size: 1.4em; margin: .6em 0; } h2 { font-size: 1.05em; margin: 1.2em 0 .4em; }
    small, .muted { color: #6b7385; font-weight: normal; }
    .pill { padding: .1em .6em; border-radius: 1em; background: #dbe7ff; font-size: .85em; }
    .pill.off { background: #f3d6d6; } .pill.on { background: #d3f0dc; }
    .cards { display: flex; gap: .8em; flex-wrap: wrap; }
    .card { background: #fff; border: 1px solid #e1e4ea; border-radius: 6px; padding: .5em .9em; min-width: 6em; }
    .card b { display: block; font-size: 1.3em; }
    table { border-collapse: collapse; background: #fff; width: 100%; }
    th, td { text-align: left; padding: .3em .7em; border-bottom: 1px solid #eceef2; font-variant-numeric: tabular-nums; }
    th { background: #eef1f6; font-weight: 600; }
    .split { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5em; }
    svg { width: 100%; background: #fff; border: 1px solid #e1e4ea; border-radius: 6px; }
    .bar { background: #e6e9ef; border-radius: 4px; height: 1.1em; margin: .2em 0 .6em; }
    .bar div { background: #4d7cff; height: 100%; border-radius: 4px; }
    #events, #decisions { background: #fff; border: 1px solid #e1e4ea; border-radius: 6px;
      max-height: 16em; overflow: auto; padding: .5em 2em; font-family: ui-monospace, monospace; font-size: 12px; }
    #events pre { margin: .2em 0 .4em 1em; color: #8a2a2a; white-space: pre-wrap; }
    .up { color: #1d7a3a; } .down { color: #a14b00; } .worker_failed { color: #a12020; }
    """

  /// `/dashboard.js`.
  static let script = """
    'use strict';
    const state = { snapshot: null, history: [], events: [] };
    const $ = (id) => document.getElementById(id);
    const NS = 'http://www.w3.org/2000/svg';
    const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
    const bytes = (n) => n == null ? '–' : n > 1 << 30 ? (n / (1 << 30)).toFixed(1) + ' GiB' : (n / (1 << 20)).toFixed(1) + ' MiB';
    const span = (s) => s == null ? '–' : s < 60 ? Math.round(s) + ' s' : s < 3600 ? Math.floor(s / 60) + ' min' : (s / 3600).toFixed(1) + ' h';
    const clock = (t) => new Date(t * 1000).toTimeString().slice(0, 8);

    function render() {
      const s = state.snapshot; if (!s) return;
      $('cluster').textContent = s.cluster; $('state').textContent = s.state;
      $('address').textContent = s.address || '';
      document.body.dataset.completed = s.completed;
      const cards = [['workers', s.workers.length], ['slots', s.totalSlots], ['queued', s.queued],
        ['running', s.running], ['completed', s.completed], ['failed', s.failed],
        ['clients', s.clients], ['compute', span(s.computeSeconds)]];
      if (s.adaptive) cards.push(['adaptive', s.adaptive.enabled ? s.adaptive.minimum + '..' + (s.adaptive.maximum ?? '∞') + (s.adaptive.target != null ? ' → ' + s.adaptive.target : '') : 'off']);
      $('summary').innerHTML = cards.map(([k, v]) => `<div class="card" id="card-${k}">${k}<b>${esc(v)}</b></div>`).join('');
      $('workers').tBodies[0].innerHTML = s.workers.map((w) => `<tr class="worker" data-worker="${esc(w.name)}">
        <td>${esc(w.name)}</td><td>${esc(w.state)}</td><td>${w.slots}</td><td>${w.running}</td>
        <td class="completed">${w.completed}</td><td>${w.failed}</td>
        <td>${w.cpuPercent == null ? '–' : w.cpuPercent.toFixed(0) + ' %'}</td><td>${bytes(w.rssBytes)}</td>
        <td>${span(w.uptimeSeconds)}</td></tr>`).join('');
      $('clients').innerHTML = s.clientWork.length ? s.clientWork.map((c) => {
        const pct = c.submitted ? Math.round(100 * c.done / c.submitted) : 0;
        return `<div class="client" data-client="${esc(c.name)}">${esc(c.name)}: ${c.done} / ${c.submitted}
          <div class="bar"><div style="width:${pct}%"></div></div></div>`;
      }).join('') : '<p class="muted">no client connected</p>';
      drawStream(); drawChart(); drawDecisions(); drawEvents();
    }

    function svgEl(name, attrs) {
      const el = document.createElementNS(NS, name);
      for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
      return el;
    }

    function drawStream() {
      const svg = $('stream'); svg.replaceChildren();
      const points = state.history.slice(-120); if (!points.length) return;
      const names = [...new Set(points.flatMap((p) => Object.keys(p.busy)))].sort();
      const slots = Object.fromEntries(state.snapshot.workers.map((w) => [w.name, Math.max(1, w.slots)]));
      const h = 120 / Math.max(1, names.length), w = 600 / 120;
      svg.dataset.samples = points.length;
      points.forEach((p, i) => names.forEach((n, row) => {
        const busy = p.busy[n] || 0; if (!busy) return;
        svg.append(svgEl('rect', { class: 'task', x: i * w, y: row * h + 1, width: w, height: Math.max(1, h - 2),
          fill: '#4d7cff', 'fill-opacity': Math.min(1, busy / (slots[n] || 1)).toFixed(2) }));
      }));
    }

    function drawChart() {
      const svg = $('chart'); svg.replaceChildren();
      const points = state.history; if (points.length < 1) return;
      const t0 = points[0].t, t1 = Math.max(t0 + 1, points[points.length - 1].t);
      const top = Math.max(1, ...points.map((p) => Math.max(p.workers, p.planned || 0, p.target || 0)));
      const x = (t) => ((t - t0) / (t1 - t0) * 590 + 5).toFixed(1);
      const y = (v) => (150 - v / top * 140).toFixed(1);
      svg.dataset.samples = points.length;
      svg.append(svgEl('polyline', { id: 'workers-line', fill: 'none', stroke: '#4d7cff', 'stroke-width': 2,
        points: points.map((p) => x(p.t) + ',' + y(p.workers)).join(' ') }));
      const asked = points.filter((p) => p.planned != null);
      if (asked.length) svg.append(svgEl('polyline', { id: 'planned-line', fill: 'none', stroke: '#a14b00', 'stroke-dasharray': '4 3',
        points: asked.map((p) => x(p.t) + ',' + y(p.planned)).join(' ') }));
      for (const e of state.events.filter((e) => e.kind === 'adaptive' && e.time >= t0)) {
        const dot = svgEl('circle', { class: 'decision ' + e.direction, cx: x(e.time), cy: y(e.target ?? 0), r: 4,
          fill: e.direction === 'up' ? '#1d7a3a' : '#a14b00' });
        const title = svgEl('title', {}); title.textContent = e.message; dot.append(title); svg.append(dot);
      }
      const label = svgEl('text', { x: 8, y: 14, 'font-size': 11, fill: '#6b7385' }); label.textContent = 'max ' + top; svg.append(label);
    }

    function drawDecisions() {
      const list = state.events.filter((e) => e.kind === 'adaptive' || e.kind === 'scale_request').slice(-20).reverse();
      $('decisions').innerHTML = list.map((e) => `<li class="${esc(e.direction || e.kind)}">${clock(e.time)} ${esc(e.message)}</li>`).join('')
        || '<li class="muted">no scaling decision yet</li>';
    }

    function drawEvents() {
      $('events').innerHTML = state.events.slice(-100).reverse().map((e) => `<li class="${esc(e.kind)}">${clock(e.time)} ${esc(e.kind)} ${esc(e.message)}`
        + (e.detail ? `<pre>${esc(e.detail)}</pre>` : '') + '</li>').join('');
    }

    function sample(s) {
      state.snapshot = s;
      const busy = Object.fromEntries(s.workers.map((w) => [w.name, w.running]));
      const last = state.history[state.history.length - 1];
      if (!last || last.t < s.time) state.history.push({ t: s.time, workers: s.workers.filter((w) => w.slots > 0).length,
        planned: s.adaptive ? s.adaptive.planned : null, target: s.adaptive ? s.adaptive.target : null,
        queued: s.queued, running: s.running, completed: s.completed, busy });
      if (state.history.length > 300) state.history.shift();
      render();
    }

    async function start() {
      try {
        const r = await fetch('api/state', { credentials: 'same-origin' });
        const first = await r.json();
        state.history = first.history; state.events = first.events; sample(first.snapshot);
      } catch (e) { $('live').textContent = 'offline'; }
      // ?stream=S on the page's URL: how long each event-stream connection lasts.
      const limit = new URLSearchParams(location.search).get('stream');
      const source = new EventSource('api/stream' + (limit ? '?stream=' + encodeURIComponent(limit) : ''));
      // Live while samples arrive (one a second); a connection that ends and reconnects
      // in between is not an outage.
      let heard = 0;
      const pill = () => { const on = Date.now() - heard < 3000;
        $('live').textContent = on ? 'live' : 'offline'; $('live').className = on ? 'pill on' : 'pill off'; };
      setInterval(pill, 1000);
      source.addEventListener('snapshot', (m) => { heard = Date.now(); pill(); sample(JSON.parse(m.data)); });
      source.addEventListener('event', (m) => { state.events.push(JSON.parse(m.data)); if (state.events.length > 500) state.events.shift(); render(); });
    }
    start();
    """
}
